package dev.batchpipe.intake;

import dev.batchpipe.task.TaskDefinition;
import java.nio.file.Path;

/**
 * One reading of an input file, as the intake-file route carries it from step to step: the job it feeds, and how far
 * the chunks handed to {@link FileJobs#commit} reach, so each chunk knows the line it must follow.
 */
public final class FileJob {

    private final long id;
    private final String status;
    private final boolean alreadyTakenIn;
    private final TaskDefinition task;
    private final JobOptions options;
    private final Path file;
    private final Path errorsFile;
    private final long resumedAfter;
    private long chunksEnd;

    FileJob(long id, String status, boolean alreadyTakenIn, TaskDefinition task, JobOptions options, Path file,
            Path errorsFile, long resumedAfter) {
        this.id = id;
        this.status = status;
        this.alreadyTakenIn = alreadyTakenIn;
        this.task = task;
        this.options = options;
        this.file = file;
        this.errorsFile = errorsFile;
        this.resumedAfter = resumedAfter;
        this.chunksEnd = resumedAfter;
    }

    public long getId() {
        return id;
    }

    /** Still to be read; false when the file was taken in before or rejected without being read. */
    public boolean isReceiving() {
        return status.equals("receiving");
    }

    /** A list of URLs: each chunk of lines is fetched (routes/intake-urls.camel.yaml) before it is committed. */
    public boolean isFetching() {
        return options.fetch();
    }

    /** The task's records hold images (format: image): each chunk's images are read in (routes/intake-images.camel.yaml). */
    public boolean isImages() {
        return task != null && task.hasImages();
    }

    boolean alreadyTakenIn() {
        return alreadyTakenIn;
    }

    /** The task's records hold videos (format: video): each chunk's are read into the spool before it commits. */
    public boolean isVideos() {
        return task != null && !task.videoFields().isEmpty();
    }

    TaskDefinition task() {
        return task;
    }

    JobOptions options() {
        return options;
    }

    Path file() {
        return file;
    }

    Path errorsFile() {
        return errorsFile;
    }

    /** The last line committed before this reading: lines up to it are skipped. */
    long resumedAfter() {
        return resumedAfter;
    }

    /** Hands on a chunk ending at {@code lastLine}; returns the line it follows. */
    synchronized long nextChunk(long lastLine) {
        long after = chunksEnd;
        chunksEnd = lastLine;
        return after;
    }

    /** The last line of the last chunk handed on. */
    synchronized long chunksEnd() {
        return chunksEnd;
    }
}
