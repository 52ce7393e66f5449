package dev.batchpipe.provider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.NoSuchElementException;

/**
 * Result lines read one ahead from a stream; subclasses say how the next one is read. Once the stream has ended or
 * been closed nothing more is read (Camel's splitter asks {@code hasNext()} again after closing it).
 */
abstract class ResultLines implements BatchProvider.ResultStream {

    private ResultLine next;
    private boolean ended;

    /** The next line, or null when there are no more. */
    protected abstract ResultLine read() throws IOException;

    /** Releases the stream's connection. */
    protected abstract void release() throws IOException;

    @Override
    public final boolean hasNext() {
        if (next == null && !ended) {
            try {
                next = read();
            } catch (IOException e) {
                throw new UncheckedIOException("reading batch results failed: " + e.getMessage(), e);
            }
            ended = next == null;
        }
        return next != null;
    }

    @Override
    public final ResultLine next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ResultLine r = next;
        next = null;
        return r;
    }

    @Override
    public final void close() throws IOException {
        ended = true;
        release();
    }
}
