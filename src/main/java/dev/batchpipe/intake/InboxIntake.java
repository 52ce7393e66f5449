package dev.batchpipe.intake;

import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file dropped in {@code inbox/<task>/}: taken in as a job of that task, then (by the route) moved to
 * {@code <task>/done/} or, when nothing in it was usable, {@code <task>/rejected/}, as {@code <job>-<name>}; the
 * report of rejected lines is put beside it as {@code <job>-<name>.errors.jsonl}.
 */
public final class InboxIntake {

    private static final Logger LOG = LoggerFactory.getLogger(InboxIntake.class);

    /** One folder per known task, so that where to drop a file is visible in the inbox itself. */
    public static void prepareFolders(Path inbox, TaskRegistry tasks) throws IOException {
        for (var task : tasks.all()) {
            Files.createDirectories(inbox.resolve(task.name()));
        }
    }

    /**
     * The job a file asks for: of the task its folder names ({@code news-classification/morning.jsonl}); a file named
     * {@code *.urls} is a list of URLs whose pages are fetched.
     */
    public JobOptions options(String relativePath) {
        return JobOptions.file(Path.of(relativePath).getName(0).toString())
                .withFetch(relativePath.toLowerCase(java.util.Locale.ROOT).endsWith(".urls"));
    }

    /**
     * Fails when the file cannot be opened for reading (its permissions, say), so that the route leaves it where it is,
     * unread, to be taken in once it can be. A FIFO, device or socket is not opened here: reading it is FileJobs' to
     * refuse (it is rejected).
     */
    public void checkReadable(String absolutePath) throws IOException {
        Path file = Path.of(absolutePath);
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            // opening is the check
        } catch (IOException e) {
            throw new FileSystemException(file.toString(), null, "cannot be read (" + InboxFaults.why(e) + ")");
        }
    }

    /**
     * Fails when the folders a file moves to ({@code done/}, {@code rejected/}) cannot be written, before the file is
     * read: its work would be committed but the file left in the inbox. Writing is tried, as only the file system
     * knows (a read-only mount, an ACL, root's rights). The file then waits where it is, unread.
     */
    public void checkWritable(String absolutePath) throws IOException {
        Path file = Path.of(absolutePath);
        for (String folder : List.of("done", "rejected")) {
            Path dir = file.resolveSibling(folder);
            try {
                Files.delete(Files.createTempFile(Files.createDirectories(dir), ".writable-", ""));
            } catch (IOException e) {
                throw new FileSystemException(dir.toString(), null, "cannot be written (" + InboxFaults.why(e) + ")");
            }
        }
    }

    /**
     * Where the route moves the input, relative to the inbox (as Camel's move option wants it):
     * {@code news-classification/done/12-news.jsonl}. Puts the errors file there first, and logs the outcome: one line
     * per file.
     */
    public String destination(IntakeResult result, String absolutePath, String relativePath) throws IOException {
        Path file = Path.of(absolutePath);
        String folder = result.rejected() ? "rejected" : "done";
        String name = result.jobId() + "-" + file.getFileName();
        if (result.errorsFile() != null) {
            Path beside = file.resolveSibling(folder).resolve(name + ".errors.jsonl");
            Files.createDirectories(beside.getParent());
            Files.move(result.errorsFile(), beside, StandardCopyOption.REPLACE_EXISTING);
        }
        if (result.rejected()) {
            LOG.warn("{}: rejected as job {}: {}", relativePath, result.jobId(), result.error());
        } else if (!result.alreadyTakenIn()) {
            LOG.info("{}: job {} with {} new item(s), {} already known, {} line(s) rejected", relativePath, result.jobId(),
                    result.itemsAccepted(), result.itemsDuplicate(), result.linesRejected());
        }
        return Path.of(relativePath).getName(0) + "/" + folder + "/" + name;
    }
}
