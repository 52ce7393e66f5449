package dev.batchpipe.task;

import dev.batchpipe.StartupException;

/** A task file that cannot be used; the message names the file and the offending key. */
public class TaskFileException extends StartupException {
    public TaskFileException(String message) {
        super(message);
    }
}
