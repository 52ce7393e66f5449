package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.StartupException;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.ValueExpression;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a validated answer into the task's tables as its task file says: the item's previous rows (matched on
 * {@code replace} columns) are deleted, the new rows inserted with the request that produced them. Runs inside the
 * caller's transaction, which also marks the request succeeded, so a request's rows appear exactly once.
 */
public final class OutputWriter {

    private static final Logger LOG = LoggerFactory.getLogger(OutputWriter.class);
    private static final Set<String> FUNCTIONS = Set.of("resolveEntity");

    private final EntityResolver entities;
    private final Map<String, Map<String, Column>> tables = new java.util.concurrent.ConcurrentHashMap<>();

    /** A column as PostgreSQL declares it; values are converted to its type. */
    record Column(String dataType, String udtName) {
        boolean isArray() {
            return dataType.equals("ARRAY");
        }
    }

    public OutputWriter(EntityResolver entities) {
        this.entities = entities;
    }

    /** Checks every task's output tables and columns against the database, so a typo fails at start-up. */
    public void verify(Jdbi jdbi, TaskRegistry tasks) {
        jdbi.useHandle(h -> {
            for (TaskDefinition task : tasks.all()) {
                for (TaskDefinition.RequestTemplate t : task.requests()) {
                    for (TaskDefinition.Output o : t.outputs()) {
                        Map<String, Column> columns = loadColumns(h, o.table());
                        String where = task.file() + ": request " + t.name() + ", table " + o.table();
                        if (columns.isEmpty()) {
                            throw new StartupException(where + " does not exist (add a migration in sql/)");
                        }
                        if (!columns.containsKey("request_id")) {
                            throw new StartupException(where + " needs a request_id bigint column (lineage)");
                        }
                        for (Map.Entry<String, ValueExpression> c : o.columns().entrySet()) {
                            if (!columns.containsKey(c.getKey())) {
                                throw new StartupException(where + " has no column " + c.getKey());
                            }
                            if (c.getValue() instanceof ValueExpression.Call call && !FUNCTIONS.contains(call.function())) {
                                throw new StartupException(where + ": unknown function " + call.function()
                                        + " (known: " + FUNCTIONS + ")");
                            }
                        }
                        if (t.isEmbedding()) {
                            columns = adoptVectorColumns(h, o, t.dimensions(), columns);
                        }
                        tables.put(o.table(), columns);
                    }
                }
            }
        });
    }

    /**
     * The columns an embedding's vector goes into (those set from the answer) as {@link VectorColumns} decides them:
     * converted to pgvector's {@code vector(n)} when the extension is installed; the table's columns as they now are.
     */
    private static Map<String, Column> adoptVectorColumns(Handle h, TaskDefinition.Output o, Integer dimensions,
                                                          Map<String, Column> columns) {
        boolean pgvector = VectorColumns.pgvectorInstalled(h);
        boolean changed = false;
        for (Map.Entry<String, ValueExpression> c : o.columns().entrySet()) {
            if (c.getValue() instanceof ValueExpression.Path p && p.root() == ValueExpression.Root.ANSWER) {
                String declared = VectorColumns.declaredType(h, o.table(), c.getKey());
                Optional<String> conversion = VectorColumns.conversion(o.table(), c.getKey(), declared, dimensions,
                        pgvector);
                if (conversion.isPresent()) {
                    LOG.info("pgvector is installed: {}.{} becomes vector({})", o.table(), c.getKey(), dimensions);
                    h.execute(conversion.get());
                    changed = true;
                } else {
                    LOG.debug("Embeddings go into {}.{} ({}; pgvector {})", o.table(), c.getKey(), declared,
                            pgvector ? "installed" : "not installed");
                }
            }
        }
        return changed ? loadColumns(h, o.table()) : columns;
    }

    public void write(Handle h, TaskDefinition.RequestTemplate template, JsonNode item, JsonNode answer, long requestId)
            throws SQLException {
        for (TaskDefinition.Output o : template.outputs()) {
            Map<String, Column> columns = tables.computeIfAbsent(o.table(), t -> loadColumns(h, t));
            Connection c = h.getConnection();
            List<Object> keyValues = new ArrayList<>();
            for (String k : o.replace()) {
                keyValues.add(evaluate(h, o.columns().get(k), item, answer, null));
            }
            StringBuilder delete = new StringBuilder("DELETE FROM " + o.table() + " WHERE ");
            for (int i = 0; i < o.replace().size(); i++) {
                delete.append(i == 0 ? "" : " AND ").append(o.replace().get(i)).append(" = ?");
            }
            try (PreparedStatement ps = c.prepareStatement(delete.toString())) {
                for (int i = 0; i < keyValues.size(); i++) {
                    bind(c, ps, i + 1, keyValues.get(i), columns.get(o.replace().get(i)));
                }
                ps.executeUpdate();
            }
            List<JsonNode> rows = rows(o, answer);
            if (rows.isEmpty()) {
                continue;
            }
            List<String> names = new ArrayList<>(o.columns().keySet());
            String sql = "INSERT INTO " + o.table() + " (" + String.join(", ", names) + ", request_id) VALUES ("
                    + "?, ".repeat(names.size()) + "?) ON CONFLICT DO NOTHING";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (JsonNode row : rows) {
                    Map<String, Object> values = new LinkedHashMap<>();
                    for (String name : names) {
                        values.put(name, evaluate(h, o.columns().get(name), item, answer, row));
                    }
                    int i = 1;
                    for (String name : names) {
                        bind(c, ps, i++, values.get(name), columns.get(name));
                    }
                    ps.setLong(i, requestId);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    /** A validated answer to write: the template it answers, the item it is about, and its request. */
    public record Answer(TaskDefinition.RequestTemplate template, JsonNode item, JsonNode answer, long requestId) {
    }

    /**
     * Writes many answers as {@link #write} writes one, with one multi-row DELETE and one multi-row INSERT per output
     * table (in statements of at most {@value #MAX_PARAMETERS} parameters). Two answers that replace the same row
     * cannot be written together (written one by one, the later one wins): that is refused with an
     * {@link IllegalArgumentException}, and the caller writes them one by one.
     */
    public void writeAll(Handle h, List<Answer> answers) throws SQLException {
        Map<TaskDefinition.Output, List<Answer>> byOutput = new LinkedHashMap<>();
        for (Answer a : answers) {
            for (TaskDefinition.Output o : a.template().outputs()) {
                byOutput.computeIfAbsent(o, k -> new ArrayList<>()).add(a);
            }
        }
        Connection c = h.getConnection();
        for (Map.Entry<TaskDefinition.Output, List<Answer>> e : byOutput.entrySet()) {
            TaskDefinition.Output o = e.getKey();
            Map<String, Column> columns = tables.computeIfAbsent(o.table(), t -> loadColumns(h, t));
            List<String> keyColumns = o.replace();
            List<List<Object>> keys = new ArrayList<>();
            Set<List<String>> seen = new java.util.HashSet<>();
            List<String> names = new ArrayList<>(o.columns().keySet());
            List<List<Object>> inserts = new ArrayList<>();
            for (Answer a : e.getValue()) {
                List<Object> key = new ArrayList<>();
                for (String k : keyColumns) {
                    key.add(evaluate(h, o.columns().get(k), a.item(), a.answer(), null));
                }
                if (!keyColumns.isEmpty() && !seen.add(key.stream().map(String::valueOf).toList())) {
                    throw new IllegalArgumentException(o.table() + ": two answers replace the same row " + key);
                }
                keys.add(key);
                for (JsonNode row : rows(o, a.answer())) {
                    List<Object> values = new ArrayList<>();
                    for (String name : names) {
                        values.add(evaluate(h, o.columns().get(name), a.item(), a.answer(), row));
                    }
                    values.add(a.requestId());
                    inserts.add(values);
                }
            }
            if (!keyColumns.isEmpty()) {
                String tuple = keyColumns.size() == 1 ? keyColumns.get(0) : "(" + String.join(", ", keyColumns) + ")";
                String placeholder = keyColumns.size() == 1 ? "?" : "(" + "?, ".repeat(keyColumns.size() - 1) + "?)";
                List<Column> keyTypes = keyColumns.stream().map(columns::get).toList();
                executeInParts(c, "DELETE FROM " + o.table() + " WHERE " + tuple + " IN (", placeholder, ")", keys,
                        keyTypes);
            }
            if (!inserts.isEmpty()) {
                List<Column> types = new ArrayList<>(names.stream().map(columns::get).toList());
                types.add(null); // request_id, a long
                executeInParts(c, "INSERT INTO " + o.table() + " (" + String.join(", ", names) + ", request_id) VALUES ",
                        "(" + "?, ".repeat(names.size()) + "?)", " ON CONFLICT DO NOTHING", inserts, types);
            }
        }
    }

    private static final int MAX_PARAMETERS = 30_000;

    /** {@code head} + one {@code placeholder} per tuple, comma-separated, + {@code tail}, in statements of bounded size. */
    private static void executeInParts(Connection c, String head, String placeholder, String tail,
                                       List<List<Object>> tuples, List<Column> types) throws SQLException {
        int perStatement = Math.max(1, MAX_PARAMETERS / types.size());
        for (int from = 0; from < tuples.size(); from += perStatement) {
            List<List<Object>> part = tuples.subList(from, Math.min(tuples.size(), from + perStatement));
            String sql = head + String.join(", ", java.util.Collections.nCopies(part.size(), placeholder)) + tail;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (List<Object> tuple : part) {
                    for (int t = 0; t < tuple.size(); t++) {
                        bind(c, ps, i++, tuple.get(t), types.get(t));
                    }
                }
                ps.executeUpdate();
            }
        }
    }

    private static List<JsonNode> rows(TaskDefinition.Output o, JsonNode answer) {
        if (o.rows() == null) {
            return List.of(answer);
        }
        JsonNode array = o.rows().select(null, answer, null);
        List<JsonNode> rows = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(rows::add);
        }
        return rows;
    }

    private Object evaluate(Handle h, ValueExpression e, JsonNode item, JsonNode answer, JsonNode row) {
        if (e instanceof ValueExpression.Path p) {
            return p.select(item, answer, row);
        }
        if (e instanceof ValueExpression.Literal l) {
            return l.value();
        }
        ValueExpression.Call call = (ValueExpression.Call) e;
        if (call.function().equals("resolveEntity")) {
            JsonNode name = (JsonNode) evaluate(h, call.args().get("name"), item, answer, row);
            Object type = call.args().containsKey("type") ? evaluate(h, call.args().get("type"), item, answer, row) : null;
            if (name == null || name.isNull()) {
                throw new IllegalArgumentException("resolveEntity: name is missing");
            }
            return entities.resolve(h, name.asText(), type instanceof JsonNode t && !t.isNull() ? t.asText() : null);
        }
        throw new IllegalStateException("unknown function " + call.function());
    }

    private static void bind(Connection c, PreparedStatement ps, int index, Object value, Column column)
            throws SQLException {
        if (value == null || (value instanceof JsonNode j && (j.isNull() || j.isMissingNode()))) {
            ps.setNull(index, Types.OTHER);
            return;
        }
        if (!(value instanceof JsonNode node)) {
            ps.setObject(index, value);
            return;
        }
        if (column.isArray()) {
            Object[] elements = new Object[node.size()];
            for (int i = 0; i < node.size(); i++) {
                elements[i] = node.get(i).isValueNode() ? node.get(i).asText() : node.get(i).toString();
            }
            ps.setArray(index, c.createArrayOf(column.udtName().substring(1), elements));
            return;
        }
        switch (column.udtName()) {
            case "vector" -> ps.setObject(index, VectorColumns.literal(node));
            case "bool" -> ps.setBoolean(index, node.asBoolean());
            case "int2", "int4" -> ps.setInt(index, node.asInt());
            case "int8" -> ps.setLong(index, node.asLong());
            case "float4", "float8" -> ps.setDouble(index, node.asDouble());
            case "numeric" -> ps.setBigDecimal(index, node.decimalValue());
            case "json", "jsonb" -> {
                org.postgresql.util.PGobject json = new org.postgresql.util.PGobject();
                json.setType(column.udtName());
                json.setValue(node.toString());
                ps.setObject(index, json);
            }
            default -> ps.setString(index, node.isValueNode() ? node.asText() : node.toString());
        }
    }

    private static Map<String, Column> loadColumns(Handle h, String table) {
        Map<String, Column> columns = new HashMap<>();
        h.createQuery("SELECT column_name, data_type, udt_name FROM information_schema.columns "
                        + "WHERE table_schema = current_schema() AND table_name = :t")
                .bind("t", table)
                .map((rs, ctx) -> Map.entry(rs.getString(1), new Column(rs.getString(2), rs.getString(3))))
                .forEach(e -> columns.put(e.getKey(), e.getValue()));
        return columns;
    }
}
