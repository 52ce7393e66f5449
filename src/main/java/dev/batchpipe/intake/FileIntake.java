package dev.batchpipe.intake;

import java.nio.file.Path;
import org.apache.camel.ProducerTemplate;

/**
 * Takes a file in as a job through the intake-file route, as the inbox does: what {@code batchpipe process} and the
 * API's submit call. Only after this returns may the caller move or delete the file.
 */
public final class FileIntake {

    /** The header carrying the {@link JobOptions} of a file sent to {@code direct:intake-file}. */
    public static final String OPTIONS = "BatchpipeJobOptions";

    private final ProducerTemplate template;

    public FileIntake(ProducerTemplate template) {
        this.template = template;
    }

    public IntakeResult accept(Path file, JobOptions options) {
        return template.requestBodyAndHeader("direct:intake-file", file.toAbsolutePath().toString(), OPTIONS, options,
                IntakeResult.class);
    }
}
