package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One record read from an input file, or the reason a line could not be read as one. */
public sealed interface InputRecord {

    /** The 1-based line the record starts on. */
    long line();

    record Parsed(long line, ObjectNode value) implements InputRecord {
    }

    record Bad(long line, String reason, String excerpt) implements InputRecord {
        public Bad {
            excerpt = excerpt == null ? null : excerpt.length() > 200 ? excerpt.substring(0, 200) + "…" : excerpt;
        }
    }
}
