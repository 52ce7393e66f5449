package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.image.BadImage;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.image.VideoPart;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.task.TaskDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the videos of a chunk's records (fields declared {@code format: video}) into the spool, each once, before the
 * chunk commits: a path relative to the input file's folder, under the same rules as an image path
 * ({@link ImageInputs#file}). The item records them ({@link VideoPart#ITEM_FIELD}); they are uploaded to the
 * provider only when a request is sent. A video that is missing, unreadable, outside the folder, not a whole video of
 * a type we know, larger than the provider takes, or bound for a provider that takes no video rejects its record,
 * naming the field and the reason.
 */
public final class VideoInputs {

    private final ImageSpool spool;
    private final Providers providers;

    public VideoInputs(ImageSpool spool, Providers providers) {
        this.spool = spool;
        this.providers = providers;
    }

    /** The chunk with each record's videos read in, or the record rejected. */
    public List<InputRecord> records(FileJob job, List<InputRecord> chunk) {
        List<InputRecord> out = new ArrayList<>(chunk.size());
        for (InputRecord r : chunk) {
            out.add(r instanceof InputRecord.Parsed p ? record(job, p) : r);
        }
        return out;
    }

    private InputRecord record(FileJob job, InputRecord.Parsed p) {
        TaskDefinition task = job.task();
        String refused = refusingProvider(task, job.options());
        Path folder = job.file().toAbsolutePath().getParent();
        List<String> problems = new ArrayList<>();
        ObjectNode item = p.value().deepCopy();
        ArrayNode videos = item.putArray(VideoPart.ITEM_FIELD);
        for (String field : task.videoFields()) {
            JsonNode v = p.value().get(field);
            List<JsonNode> refs = v == null || v.isNull() ? List.of() : v.isArray() ? toList(v) : List.of(v);
            for (int i = 0; i < refs.size(); i++) {
                String where = v.isArray() ? field + "[" + i + "]" : field;
                String reference = refs.get(i).asText();
                try {
                    if (refused != null) {
                        throw new BadImage("a video, which " + refused + " does not take (only "
                                + String.join(", ", TaskDefinition.VIDEO_PROVIDERS) + " does)");
                    }
                    read(reference, folder).toJson(videos.addObject(), where);
                } catch (BadImage e) {
                    problems.add(where + ": " + e.reason() + " (" + reference + ")");
                }
            }
        }
        if (!problems.isEmpty()) {
            return new InputRecord.Bad(p.line(), String.join("; ", problems), p.value().toString());
        }
        return new InputRecord.Parsed(p.line(), item);
    }

    private VideoPart read(String reference, Path folder) throws BadImage {
        Path file = ImageInputs.file(reference, folder);
        long max = providers.mediaFiles(TaskDefinition.VIDEO_PROVIDERS.get(0)).maxFileBytes();
        try {
            long size = Files.size(file);
            if (size > max) {
                throw new BadImage("larger than the provider's limit of " + max + " bytes (" + size + " bytes)");
            }
        } catch (IOException e) {
            throw new BadImage("cannot be read: " + e.getMessage());
        }
        try (InputStream in = Files.newInputStream(file)) {
            return spool.storeVideo(in, max);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new BadImage("cannot be read: permission denied");
        } catch (IOException e) {
            throw new BadImage("cannot be read: " + e.getMessage());
        }
    }

    /** The provider a run sends the task's requests to that takes no video, or null. */
    private static String refusingProvider(TaskDefinition task, JobOptions options) {
        for (TaskDefinition.RequestTemplate t : task.requests()) {
            String provider = RequestFactory.provider(t, options.provider());
            if (!TaskDefinition.VIDEO_PROVIDERS.contains(provider)) {
                return provider;
            }
        }
        return null;
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
