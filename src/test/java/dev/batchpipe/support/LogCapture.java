package dev.batchpipe.support;

import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Everything logged at INFO and above, whatever the logger, from {@link #start} until {@link #close}. */
public final class LogCapture implements AutoCloseable {

    private final String name;
    private final StringWriter log = new StringWriter();

    private LogCapture(String name) {
        this.name = name;
    }

    /** Starts capturing under an appender called {@code name}. */
    public static LogCapture start(String name) {
        LogCapture capture = new LogCapture(name);
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        WriterAppender appender = WriterAppender.newBuilder().setName(name).setTarget(capture.log)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %c %msg%n%throwable").build()).build();
        appender.start();
        for (LoggerConfig logger : loggers(context)) {
            logger.addAppender(appender, Level.INFO, null);
        }
        context.updateLoggers();
        return capture;
    }

    /** What was logged so far. */
    public String text() {
        return log.toString();
    }

    /** Stops capturing. */
    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        for (LoggerConfig logger : loggers(context)) {
            logger.removeAppender(name);
        }
        context.updateLoggers();
    }

    private static List<LoggerConfig> loggers(LoggerContext context) {
        var all = new ArrayList<>(context.getConfiguration().getLoggers().values());
        all.add(context.getConfiguration().getRootLogger());
        return all.stream().distinct().toList();
    }
}
