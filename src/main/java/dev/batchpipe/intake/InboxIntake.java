package dev.batchpipe.intake;

import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file dropped in {@code inbox/<task>/}: taken in as a job of that task, then (by the route) moved to
 * {@code <task>/done/} or, when nothing in it was usable, {@code <task>/rejected/}, as {@code <job>-<name>}; the
 * report of rejected lines is put beside it as {@code <job>-<name>.errors.jsonl}.
 */
public final class InboxIntake {

    private static final Logger LOG = LoggerFactory.getLogger(InboxIntake.class);

    private final FileIntake intake;
    private final TaskRegistry tasks;

    public InboxIntake(FileIntake intake, TaskRegistry tasks) {
        this.intake = intake;
        this.tasks = tasks;
    }

    /** Where the route moves the input, relative to the inbox (as Camel's move option wants it): {@code news-classification/done/12-news.jsonl}. */
    public record Outcome(long jobId, String destination, IntakeResult result) {
    }

    /** One folder per known task, so that where to drop a file is visible in the inbox itself. */
    public static void prepareFolders(Path inbox, TaskRegistry tasks) throws IOException {
        for (var task : tasks.all()) {
            Files.createDirectories(inbox.resolve(task.name()));
        }
    }

    public Outcome accept(String absolutePath, String relativePath) throws IOException {
        Path file = Path.of(absolutePath);
        String task = Path.of(relativePath).getName(0).toString();
        IntakeResult result = tasks.has(task)
                ? intake.accept(file, JobOptions.file(task))
                : intake.reject(file, task, "no task named '" + task + "' (the inbox folder names the task)");
        String folder = result.rejected() ? "rejected" : "done";
        String name = result.jobId() + "-" + file.getFileName();
        String destination = task + "/" + folder + "/" + name;
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
        return new Outcome(result.jobId(), destination, result);
    }
}
