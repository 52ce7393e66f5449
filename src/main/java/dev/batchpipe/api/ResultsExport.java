package dev.batchpipe.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.BufferedWriter;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A job's results: the rows it wrote into its task's tables, each with its lineage (the request, item and batch it
 * came from). As pages of JSON, or written whole as JSON Lines, CSV or one JSON array, streamed from PostgreSQL with
 * a cursor so the heap does not grow with the job. Rows a later forced job replaced are that job's, not this one's.
 */
public final class ResultsExport {

    public enum Format { JSONL, CSV, JSON }

    /** Where a row came from. {@code answered_at}: when its answer was stored. */
    public record Lineage(long requestId, long jobId, String itemKey, Long itemLine, String provider, String model,
                          Long batchId, String customId, Instant answeredAt) {
    }

    /** One task-table row: its table, lineage and columns (as the table holds them; arrays as JSON arrays). */
    public record ResultRow(String table, Lineage lineage, JsonNode row) {
    }

    public record ResultPage(List<ResultRow> items, String nextCursor) {
    }

    /** The lineage columns of a CSV export, after the table's own. */
    public static final List<String> LINEAGE_COLUMNS = List.of("lineage_request_id", "lineage_job_id",
            "lineage_item_key", "lineage_item_line", "lineage_provider", "lineage_model", "lineage_batch_id",
            "lineage_custom_id", "lineage_answered_at");

    private static final ObjectMapper JSON = ApiJson.mapper();

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final Path spool;

    /** A download is written under {@code dataDir}/exports before it is sent (and deleted once sent). */
    public ResultsExport(Jdbi jdbi, TaskRegistry tasks, Path dataDir) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.spool = dataDir.resolve("exports");
    }

    public static Format format(String format) {
        if (format == null || format.isBlank()) {
            return Format.JSON;
        }
        try {
            return Format.valueOf(format.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiProblem(400, "format must be json, jsonl or csv");
        }
    }

    /** The tables the job's task writes, in the order its task file names them. */
    public List<String> tables(long jobId) {
        String task = jdbi.withHandle(h -> h.createQuery("SELECT task FROM jobs WHERE id = :id").bind("id", jobId)
                .mapTo(String.class).findOne()).orElseThrow(() -> new ApiProblem(404, "no job " + jobId));
        if (!tasks.has(task)) {
            throw new ApiProblem(404, "job " + jobId + " is of task " + task + ", which is no longer defined");
        }
        LinkedHashSet<String> tables = new LinkedHashSet<>();
        for (TaskDefinition.RequestTemplate r : tasks.get(task).requests()) {
            r.outputs().forEach(o -> tables.add(o.table()));
        }
        return List.copyOf(tables);
    }

    /** GET /api/jobs/{id}/results: a page of rows (query parameters as given). */
    public ResultPage page(String jobId, String table, String limit, String cursor) {
        return rows(ApiProblem.number("job id", jobId), table, Page.limit(limit), Page.cursor(cursor));
    }

    /** A page of rows of one table (the task's first unless named); the cursor is the number of rows before it. */
    public ResultPage rows(long jobId, String table, int limit, Long cursor) {
        String t = table(jobId, table);
        long offset = cursor == null ? 0 : cursor;
        List<ResultRow> rows = jdbi.withHandle(h -> h.createQuery(sql(t) + " OFFSET :offset LIMIT :n")
                .bind("job", jobId).bind("offset", offset).bind("n", limit + 1)
                .map((rs, ctx) -> row(t, rs)).list());
        if (rows.size() <= limit) {
            return new ResultPage(rows, null);
        }
        return new ResultPage(List.copyOf(rows.subList(0, limit)), Long.toString(offset + limit));
    }

    /**
     * Writes the job's rows to {@code out}: JSON Lines or a JSON array of every table's rows (or only {@code table}'s),
     * or CSV of one table (the task's first unless named), its columns then the lineage columns. Returns the rows.
     */
    public long write(long jobId, Format format, String table, OutputStream out) throws IOException {
        List<String> tables = format == Format.CSV || table != null ? List.of(table(jobId, table)) : tables(jobId);
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        long[] n = {0};
        switch (format) {
            case JSONL -> each(jobId, tables, r -> {
                line(writer, r);
                n[0]++;
            });
            case JSON -> {
                JsonGenerator g = JSON.getFactory().createGenerator(writer);
                g.writeStartArray();
                each(jobId, tables, r -> {
                    try {
                        JSON.writeValue(g, r);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    n[0]++;
                });
                g.writeEndArray();
                g.flush();
            }
            case CSV -> {
                List<String> columns = columns(tables.get(0));
                List<String> header = new ArrayList<>(columns);
                header.addAll(LINEAGE_COLUMNS);
                CSVPrinter csv = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setHeader(header.toArray(String[]::new))
                        .get());
                each(jobId, tables, r -> {
                    try {
                        csv.printRecord(csvRecord(columns, r));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    n[0]++;
                });
                csv.flush();
            }
        }
        writer.flush();
        return n[0];
    }

    /** GET /api/jobs/{id}/results?format=jsonl|csv: the export, streamed. */
    public InputStream download(String jobId, Format format, String table) throws IOException {
        return spool(ApiProblem.number("job id", jobId), format, table);
    }

    public static String contentType(Format format) {
        return switch (format) {
            case JSONL -> "application/x-ndjson";
            case CSV -> "text/csv; charset=utf-8";
            case JSON -> "application/json";
        };
    }

    /**
     * The export as a stream for an HTTP answer: written to a spool file first (the connection to PostgreSQL is not
     * held while a slow client reads), which is deleted when the stream is closed.
     */
    public InputStream spool(long jobId, Format format, String table) throws IOException {
        Files.createDirectories(spool);
        Path file = spool.resolve("export-" + UUID.randomUUID());
        try (OutputStream out = Files.newOutputStream(file)) {
            write(jobId, format, table, out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new FilterInputStream(Files.newInputStream(file)) {
            @Override
            public void close() throws IOException {
                try {
                    super.close();
                } finally {
                    Files.deleteIfExists(file);
                }
            }
        };
    }

    /** The file name a download is offered under. */
    public static String fileName(long jobId, Format format) {
        return "job-" + jobId + "-results." + format.name().toLowerCase(Locale.ROOT);
    }

    private void each(long jobId, List<String> tables, Consumer<ResultRow> sink) {
        // a cursor (fetch size in a transaction): PostgreSQL sends rows as they are read, not the whole result
        jdbi.useTransaction(h -> {
            for (String t : tables) {
                try (var rows = h.createQuery(sql(t)).bind("job", jobId).setFetchSize(500)
                        .map((rs, ctx) -> row(t, rs)).stream()) {
                    rows.forEach(sink);
                }
            }
        });
    }

    private String table(long jobId, String table) {
        List<String> tables = tables(jobId);
        if (table == null || table.isBlank()) {
            return tables.get(0);
        }
        if (!tables.contains(table)) {
            throw new ApiProblem(400, "table must be one of " + String.join(", ", tables));
        }
        return table;
    }

    private List<String> columns(String table) {
        return jdbi.withHandle(h -> columns(h, table));
    }

    private static List<String> columns(Handle h, String table) {
        return h.createQuery("SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 "
                + "AND NOT attisdropped ORDER BY attnum").bind("t", table).mapTo(String.class).list();
    }

    /** {@code table} is one of the task's own (checked above), never a caller's text. */
    private static String sql(String table) {
        return "SELECT row_to_json(t)::text, r.id, r.job_id, i.source_key, i.line, r.provider, r.model, s.batch_id, "
                + "'r' || r.id || 's' || r.submissions, s.created_at FROM " + table + " t JOIN requests r ON r.id = t.request_id "
                + "JOIN items i ON i.id = r.item_id LEFT JOIN results s ON s.request_id = r.id "
                + "WHERE r.job_id = :job ORDER BY r.id, t.ctid";
    }

    private static ResultRow row(String table, java.sql.ResultSet rs) throws java.sql.SQLException {
        JsonNode row;
        try {
            row = JSON.readTree(rs.getString(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.sql.Timestamp answered = rs.getTimestamp(10);
        return new ResultRow(table, new Lineage(rs.getLong(2), rs.getLong(3), rs.getString(4), (Long) rs.getObject(5),
                rs.getString(6), rs.getString(7), (Long) rs.getObject(8), rs.getString(9),
                answered == null ? null : answered.toInstant()), row);
    }

    private static void line(Writer writer, ResultRow r) {
        try {
            writer.write(JSON.writeValueAsString(r));
            writer.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The row's columns (a JSON array or object as JSON text, null as empty), then its lineage. */
    private static List<String> csvRecord(List<String> columns, ResultRow r) {
        List<String> values = new ArrayList<>(columns.size() + LINEAGE_COLUMNS.size());
        for (String c : columns) {
            JsonNode v = r.row().get(c);
            values.add(v == null || v.isNull() ? "" : v.isContainerNode() ? v.toString() : v.asText());
        }
        ObjectNode lineage = JSON.valueToTree(r.lineage());
        for (Iterator<String> names = lineage.fieldNames(); names.hasNext(); ) {
            JsonNode v = lineage.get(names.next());
            values.add(v == null || v.isNull() ? "" : v.asText());
        }
        return values;
    }
}
