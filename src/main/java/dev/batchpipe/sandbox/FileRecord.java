package dev.batchpipe.sandbox;

/** Metadata of a stored file (an upload or a batch's output), persisted as JSON beside its content. */
final class FileRecord {
    String id;
    Provider provider;
    /** OpenAI purpose ({@code batch}, {@code batch_output}); Gemini files have none. */
    String purpose;
    String filename;
    String displayName;
    String mimeType;
    long bytes;
    long createdAt;
    /**
     * An uploaded video is PROCESSING, as at Gemini, until a status check has seen it so: the first check answers
     * PROCESSING and the next ACTIVE, so a client must poll before it refers to the file, and tests need no clock.
     */
    boolean processing;
    /** The content, relative to the data directory. */
    String dataFile;

    static FileRecord of(String id, Provider provider, String dataFile, long bytes, long createdAt) {
        FileRecord f = new FileRecord();
        f.id = id;
        f.provider = provider;
        f.dataFile = dataFile;
        f.bytes = bytes;
        f.createdAt = createdAt;
        return f;
    }
}
