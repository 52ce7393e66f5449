package dev.batchpipe.pipeline;

import dev.batchpipe.CrashPoints;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.store.Instance;
import java.nio.file.Path;

/** Uploads a batch's input file to its provider (may be repeated safely: an orphan file costs nothing). */
public final class BatchUploader {

    private final Providers providers;
    private final Instance instance;

    public BatchUploader(Providers providers, Instance instance) {
        this.providers = providers;
        this.instance = instance;
    }

    /** The provider's file id, or null where requests travel inline in the create call. */
    public String upload(SubmitBatch b, Path file) {
        String fileId = providers.get(b.provider()).upload(file, "batchpipe-" + instance.tag(b.id()).replace(':', '-'));
        CrashPoints.reached("after-upload");
        return fileId;
    }
}
