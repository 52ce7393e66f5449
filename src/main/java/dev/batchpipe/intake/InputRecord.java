package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One record read from an input file, or the reason a line could not be read as one. */
public sealed interface InputRecord {

    /** The 1-based line the record starts on. */
    long line();

    record Parsed(long line, ObjectNode value) implements InputRecord {
    }

    /** {@code field}: the field at fault when the record itself was readable (an image), else null. */
    record Bad(long line, String reason, String excerpt, String field) implements InputRecord {
        public Bad {
            excerpt = excerpt == null ? null : excerpt.length() > 200 ? excerpt.substring(0, 200) + "…" : excerpt;
        }

        public Bad(long line, String reason, String excerpt) {
            this(line, reason, excerpt, null);
        }

        /** The reason with its field, as input_errors keeps it. */
        public String fieldAndReason() {
            return field == null ? reason : field + ": " + reason;
        }
    }

    /** A record that became several items (one per image, input.each), each accepted or rejected on its own. */
    record Items(long line, java.util.List<InputRecord> items) implements InputRecord {
    }
}
