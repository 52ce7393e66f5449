package dev.batchpipe.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.ValueExpression;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The tasks as their files declare them: prompts, schemas, output tables. {@code version} is a digest of all of that,
 * so a changed prompt or schema shows as a new version (the files carry no version of their own).
 */
public final class TaskCatalog {

    public record TaskSummary(String name, String description, String version, String provider, String model,
                              List<String> requests, List<String> outputTables, String sourceTable) {
    }

    public record TaskList(List<TaskSummary> items) {
    }

    /** One output mapping: the table, the columns whose match replaces old rows, each column's expression. */
    public record Output(String table, List<String> replace, String rows, Map<String, String> columns) {
    }

    public record Request(String name, String provider, String model, String endpoint, int maxOutputTokens,
                          Double temperature, String system, String user, JsonNode answerSchema, List<Output> outputs) {
    }

    public record TaskDetail(String name, String description, String version, String file, String keyField,
                             JsonNode inputSchema, String provider, String model, List<Request> requests,
                             List<String> outputTables, TaskDefinition.Source source) {
    }

    private final TaskRegistry tasks;

    public TaskCatalog(TaskRegistry tasks) {
        this.tasks = tasks;
    }

    public TaskList list() {
        return new TaskList(tasks.all().stream().map(t -> {
            TaskDetail d = detail(t);
            return new TaskSummary(d.name(), d.description(), d.version(), d.provider(), d.model(),
                    d.requests().stream().map(Request::name).toList(), d.outputTables(),
                    t.source() == null ? null : t.source().table());
        }).toList());
    }

    public TaskDetail get(String name) {
        if (!tasks.has(name)) {
            throw new ApiProblem(404, "no task named '" + name + "'");
        }
        return detail(tasks.get(name));
    }

    private static TaskDetail detail(TaskDefinition t) {
        List<Request> requests = t.requests().stream().map(r -> new Request(r.name(), r.provider(), r.model(),
                r.endpoint(), r.maxOutputTokens(), r.temperature(), r.system().text(), r.user().text(),
                r.answerSchema().schema(), r.outputs().stream().map(o -> new Output(o.table(), o.replace(),
                        o.rows() == null ? null : o.rows().text(), o.columns().entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> text(e.getValue()), (a, b) -> a,
                                LinkedHashMap::new)))).toList())).toList();
        LinkedHashSet<String> tables = new LinkedHashSet<>();
        t.requests().forEach(r -> r.outputs().forEach(o -> tables.add(o.table())));
        // where the file lies is not part of what it says
        TaskDetail unversioned = new TaskDetail(t.name(), t.description(), null, null, t.keyField(),
                t.inputSchema().schema(), t.provider(), t.model(), requests, List.copyOf(tables), t.source());
        return new TaskDetail(t.name(), t.description(), version(unversioned), t.file(), t.keyField(),
                t.inputSchema().schema(), t.provider(), t.model(), requests, List.copyOf(tables), t.source());
    }

    /** An output column's expression as a task file would write it. */
    static String text(ValueExpression e) {
        if (e instanceof ValueExpression.Path p) {
            return p.text();
        }
        if (e instanceof ValueExpression.Literal l) {
            return l.value().toString();
        }
        ValueExpression.Call c = (ValueExpression.Call) e;
        return c.function() + "(" + c.args().entrySet().stream()
                .map(a -> a.getKey() + ": " + text(a.getValue())).collect(Collectors.joining(", ")) + ")";
    }

    private static String version(TaskDetail d) {
        try {
            byte[] json = ApiJson.mapper().writeValueAsString(d).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 12);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
