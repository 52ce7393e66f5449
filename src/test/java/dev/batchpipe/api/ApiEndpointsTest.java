package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.support.ServiceTest;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.StringReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.camel.model.Model;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * Every call of the API over real HTTP, against the service's own routes (API included) on a real PostgreSQL and the
 * sandbox, with one finished job shared by the tests (taken in through the API itself).
 */
class ApiEndpointsTest extends ServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private Long finished;

    /** The shared job: five articles and one bad line, taken in over the API and finished. */
    private long finishedJob() throws Exception {
        if (finished == null) {
            String body = articles("api", 5) + "{\"id\":\"api-bad\"}\n";
            HttpResponse<String> r = send("POST", "/api/jobs/news-classification", "application/x-ndjson", body);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            long job = JSON.readTree(r.body()).at("/job/id").asLong();
            template.sendBody("direct:pack", null);
            awaitFinished(job);
            finished = job;
        }
        return finished;
    }

    @Test
    void jobsArePagedFilteredAndPricedAtBothPrices() throws Exception {
        long job = finishedJob();
        JsonNode list = json("/api/jobs?task=news-classification&status=succeeded&mode=batch&since=2020-01-01");
        JsonNode first = list.at("/items/0");
        assertThat(first.get("id").asLong()).isEqualTo(job);
        assertThat(first.get("items").asLong()).isEqualTo(5);
        assertThat(first.get("succeeded").asLong()).isEqualTo(5);
        assertThat(first.get("pending").asLong()).isZero();
        assertThat(first.get("progress").asDouble()).isEqualTo(1.0);
        assertThat(first.get("lines_rejected").asLong()).isEqualTo(1);
        double cost = first.get("cost_usd").asDouble();
        assertThat(cost).isPositive();
        assertThat(first.get("realtime_cost_usd").asDouble()).isEqualTo(cost * 2, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(first.get("savings_usd").asDouble()).isEqualTo(cost, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(json("/api/jobs?status=cancelled").get("items")).isEmpty();
        assertThat(json("/api/jobs?task=knowledge-extraction").get("items")).isEmpty();

        // a second job, so there are two pages of one
        HttpResponse<String> other = send("POST", "/api/jobs/news-classification", "application/json",
                "{\"contents\": [{\"id\":\"env-1\",\"title\":\"Rates\",\"contents\":\"The bank held rates.\"}],"
                        + " \"batch_name\": \"evening run\"}");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(202);
        JsonNode envelope = JSON.readTree(other.body()).get("job");
        assertThat(envelope.get("items").asLong()).isEqualTo(1);
        assertThat(envelope.get("source").asText()).contains("evening_run-");
        JsonNode page1 = json("/api/jobs?limit=1");
        assertThat(page1.get("items")).hasSize(1);
        assertThat(page1.at("/items/0/id").asLong()).isEqualTo(envelope.get("id").asLong());
        JsonNode page2 = json("/api/jobs?limit=1&cursor=" + page1.get("next_cursor").asText());
        assertThat(page2.at("/items/0/id").asLong()).isEqualTo(job);

        JsonNode detail = json("/api/jobs/" + job);
        assertThat(detail.get("status").asText()).isEqualTo("succeeded");
        assertThat(detail.get("mode").asText()).isEqualTo("batch");
        assertThat(detail.get("finished_at").asText()).isNotEmpty();
        assertThat(detail.get("batch_list")).isNotEmpty();
        assertThat(detail.at("/output_rows/0/table").asText()).isEqualTo("news_classifications");
        assertThat(detail.at("/output_rows/0/rows").asLong()).isEqualTo(5);

        assertThat(send("GET", "/api/jobs?status=nope", null, null).statusCode()).isEqualTo(400);
        HttpResponse<String> missing = send("GET", "/api/jobs/99999", null, null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void resultsComeAsPagesJsonLinesAndACsvThatRoundTrips() throws Exception {
        long job = finishedJob();
        JsonNode page = json("/api/jobs/" + job + "/results?limit=2");
        assertThat(page.get("items")).hasSize(2);
        assertThat(page.at("/items/0/table").asText()).isEqualTo("news_classifications");
        assertThat(page.at("/items/0/lineage/item_key").asText()).startsWith("api-");
        assertThat(page.at("/items/0/lineage/batch_id").asLong()).isPositive();
        JsonNode rest = json("/api/jobs/" + job + "/results?limit=10&cursor=" + page.get("next_cursor").asText());
        assertThat(rest.get("items")).hasSize(3);
        assertThat(rest.get("next_cursor").isNull()).isTrue();

        HttpResponse<String> jsonl = send("GET", "/api/jobs/" + job + "/results?format=jsonl", null, null);
        assertThat(jsonl.statusCode()).isEqualTo(200);
        assertThat(jsonl.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        assertThat(jsonl.headers().firstValue("Content-Disposition")).hasValue(
                "attachment; filename=\"job-" + job + "-results.jsonl\"");
        assertThat(jsonl.body().lines()).hasSize(5);

        HttpResponse<String> csv = send("GET", "/api/jobs/" + job + "/results?format=csv", null, null);
        assertThat(csv.statusCode()).isEqualTo(200);
        List<CSVRecord> records = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
                .parse(new StringReader(csv.body())).getRecords();
        assertThat(records).hasSize(5);
        List<Map<String, Object>> rows = db.withHandle(h -> h.createQuery("SELECT n.article_id, n.sentiment, "
                        + "n.confidence_score, array_to_json(n.sectors)::text AS sectors, n.summary_tr, n.request_id, "
                        + "i.source_key FROM news_classifications n JOIN requests r ON r.id = n.request_id "
                        + "JOIN items i ON i.id = r.item_id WHERE r.job_id = :job ORDER BY r.id")
                .bind("job", job).mapToMap().list());
        for (int i = 0; i < rows.size(); i++) {
            CSVRecord rec = records.get(i);
            Map<String, Object> row = rows.get(i);
            assertThat(rec.get("article_id")).isEqualTo(row.get("article_id"));
            assertThat(rec.get("sentiment")).isEqualTo(row.get("sentiment"));
            assertThat(rec.get("confidence_score")).isEqualTo(row.get("confidence_score").toString());
            assertThat(JSON.readTree(rec.get("sectors"))).isEqualTo(JSON.readTree((String) row.get("sectors")));
            assertThat(rec.get("summary_tr")).isEqualTo(row.get("summary_tr"));
            assertThat(rec.get("lineage_request_id")).isEqualTo(row.get("request_id").toString());
            assertThat(rec.get("lineage_item_key")).isEqualTo(row.get("source_key"));
        }
        assertThat(send("GET", "/api/jobs/" + job + "/results?format=xml", null, null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/api/jobs/" + job + "/results?table=story_topics", null, null).statusCode())
                .isEqualTo(400);
    }

    @Test
    void rejectedLinesBatchesAndDeadLetters() throws Exception {
        long job = finishedJob();
        JsonNode rejected = json("/api/jobs/" + job + "/rejected");
        assertThat(rejected.get("items")).hasSize(1);
        assertThat(rejected.at("/items/0/line").asLong()).isEqualTo(6);
        assertThat(rejected.at("/items/0/reason").asText()).isNotEmpty();

        JsonNode batches = json("/api/batches?job=" + job + "&state=ingested&provider=openai");
        assertThat(batches.get("items")).isNotEmpty();
        JsonNode batch = batches.at("/items/0");
        assertThat(batch.get("jobs").get(0).asLong()).isEqualTo(job);
        assertThat(batch.get("completed").asInt()).isEqualTo(5);
        assertThat(json("/api/batches/" + batch.get("id").asLong()).get("state").asText()).isEqualTo("ingested");
        assertThat(json("/api/batches?provider=gemini").get("items")).isEmpty();
        assertThat(send("GET", "/api/batches/99999", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> done = send("POST", "/api/batches/" + batch.get("id").asLong() + "/cancel", null, null);
        assertThat(done.statusCode()).isEqualTo(409);
        assertThat(send("POST", "/api/jobs/" + job + "/cancel", null, null).statusCode()).isEqualTo(409);

        // a request that failed for good, as the pipeline records one
        long request = db.withHandle(h -> h.createQuery("SELECT min(id) FROM requests WHERE job_id = :j").bind("j", job)
                .mapTo(Long.class).one());
        db.useTransaction(h -> new dev.batchpipe.pipeline.RequestStates(new dev.batchpipe.pipeline.RequestStates.Limits(
                3, 10, Duration.ZERO)).deadLetter(h, request, "answer does not match the schema", null));
        JsonNode dead = json("/api/dead-letters?job=" + job);
        assertThat(dead.get("items")).hasSize(1);
        assertThat(dead.at("/items/0/reason").asText()).isEqualTo("answer does not match the schema");
        assertThat(dead.at("/items/0/item").asText()).startsWith("api-");
        assertThat(json("/api/dead-letters?task=knowledge-extraction").get("items")).isEmpty();
        JsonNode report = json("/api/reports?group=task");
        assertThat(report.at("/total/dead_letters").asLong()).isEqualTo(1);
        HttpResponse<String> replay = send("POST", "/api/dead-letters/replay?job=" + job, null, null);
        assertThat(replay.body()).isEqualTo("{\"replayed\":1}");
        awaitFinished(job);
        assertThat(json("/api/dead-letters?job=" + job).get("items")).isEmpty();
    }

    @Test
    void extractionRunsAreRequestedAndListed() throws Exception {
        HttpResponse<String> created = send("POST", "/api/runs", "application/json",
                "{\"task\":\"knowledge-extraction\",\"ids\":[\"g-none\"],\"schedule\":\"asap\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode run = JSON.readTree(created.body());
        assertThat(run.get("task").asText()).isEqualTo("knowledge-extraction");
        assertThat(run.get("requested_by").asText()).isEqualTo("api");
        long id = run.get("id").asLong();
        assertThat(json("/api/runs/" + id).get("ids").get(0).asText()).isEqualTo("g-none");
        assertThat(json("/api/runs?task=knowledge-extraction").at("/items/0/id").asLong()).isEqualTo(id);
        await().atMost(Duration.ofSeconds(30)).until(() -> !json("/api/runs/" + id).get("status").asText()
                .equals("requested"));
        assertThat(send("POST", "/api/runs", "application/json", "{\"task\":\"news-classification\"}").statusCode())
                .isEqualTo(400);
        assertThat(send("POST", "/api/runs", "application/json", "{\"task\":\"nope\"}").statusCode()).isEqualTo(404);
        HttpResponse<String> auto = send("POST", "/api/runs", "application/json",
                "{\"task\":\"knowledge-extraction\",\"ids\":[\"g-none\"],\"mode\":\"auto\",\"deadline\":\"2h\"}");
        assertThat(auto.statusCode()).as(auto.body()).isEqualTo(201);
        long autoId = JSON.readTree(auto.body()).get("id").asLong();
        assertThat(text("SELECT mode || ' ' || deadline_seconds FROM extraction_runs WHERE id = ?", autoId))
                .isEqualTo("auto 7200");
        HttpResponse<String> badMode = send("POST", "/api/runs", "application/json",
                "{\"task\":\"knowledge-extraction\",\"mode\":\"fast\"}");
        assertThat(badMode.statusCode()).isEqualTo(400);
        assertThat(badMode.body()).contains("mode must be batch, realtime or auto");
        assertThat(send("POST", "/api/runs", "application/json",
                "{\"task\":\"knowledge-extraction\",\"deadline\":\"soon\"}").statusCode()).isEqualTo(400);
        assertThat(send("GET", "/api/runs/99999", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void tasksAndEstimates() throws Exception {
        finishedJob();
        JsonNode tasks = json("/api/tasks");
        assertThat(tasks.get("items")).extracting(t -> t.get("name").asText())
                .contains("news-classification", "knowledge-extraction");
        JsonNode task = json("/api/tasks/news-classification");
        assertThat(task.get("version").asText()).hasSize(12);
        assertThat(task.at("/requests/0/user").asText()).contains("{{title}}");
        assertThat(task.at("/requests/0/answer_schema/required")).isNotEmpty();
        assertThat(task.get("output_tables").get(0).asText()).isEqualTo("news_classifications");
        assertThat(send("GET", "/api/tasks/nope", null, null).statusCode()).isEqualTo(404);

        HttpResponse<String> file = send("POST", "/api/tasks/news-classification/estimate", "application/x-ndjson",
                articles("est", 4) + "not json\n");
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        JsonNode estimate = JSON.readTree(file.body());
        assertThat(estimate.get("basis").asText()).isEqualTo("file");
        assertThat(estimate.get("items").asLong()).isEqualTo(4);
        assertThat(estimate.get("rejected_lines").asLong()).isEqualTo(1);
        assertThat(estimate.get("requests").asLong()).isEqualTo(4);
        assertThat(estimate.get("input_tokens").asLong()).isPositive();
        assertThat(estimate.get("batches").asLong()).isEqualTo(1);
        assertThat(estimate.get("waves").asLong()).isEqualTo(1);
        assertThat(estimate.get("realtime_cost_usd").asDouble()).isEqualTo(estimate.get("cost_usd").asDouble() * 2,
                org.assertj.core.data.Offset.offset(1e-7));
        assertThat(estimate.at("/groups/0/makespan_basis").asText()).isEqualTo("history");
        assertThat(estimate.get("expected_makespan_seconds").asLong()).isLessThan(3600);
        // the same items as the jobs' requests: the token estimate is the one packing used
        long stored = db.withHandle(h -> h.createQuery("SELECT estimated_tokens FROM requests r JOIN items i "
                + "ON i.id = r.item_id WHERE i.source_key = 'api-1'").mapTo(Long.class).one());
        HttpResponse<String> one = send("POST", "/api/tasks/news-classification/estimate", "application/x-ndjson",
                articles("api", 1));
        assertThat(JSON.readTree(one.body()).get("input_tokens").asLong()).isEqualTo(stored);

        HttpResponse<String> count = send("POST", "/api/tasks/news-classification/estimate?provider=anthropic",
                "application/json", "{\"count\": 1000}");
        JsonNode byCount = JSON.readTree(count.body());
        assertThat(count.statusCode()).as(count.body()).isEqualTo(200);
        assertThat(byCount.get("basis").asText()).isEqualTo("count");
        assertThat(byCount.get("requests").asLong()).isEqualTo(1000);
        assertThat(byCount.at("/groups/0/provider").asText()).isEqualTo("anthropic");
        assertThat(byCount.at("/groups/0/model").asText()).isEqualTo("claude-haiku-4-5");
        assertThat(byCount.at("/groups/0/makespan_basis").asText()).isEqualTo("completion_window");
        assertThat(send("POST", "/api/tasks/nope/estimate", "application/json", "{\"count\": 1}").statusCode())
                .isEqualTo(404);
    }

    @Test
    void schedulesPauseResumeAndTrigger() throws Exception {
        JsonNode list = json("/api/schedules");
        assertThat(list.get("items")).extracting(s -> s.get("id").asText()).contains("news-classification");
        JsonNode paused = JSON.readTree(send("POST", "/api/schedules/news-classification/pause", null, null).body());
        assertThat(paused.get("state").asText()).isEqualTo("paused");
        assertThat(paused.get("cron").asText()).isEqualTo("0 0 2 * * ?");
        JsonNode resumed = JSON.readTree(send("POST", "/api/schedules/news-classification/resume", null, null).body());
        assertThat(resumed.get("state").asText()).isEqualTo("normal");

        // an overnight job waits for the window; triggering it opens the window now
        HttpResponse<String> waiting = send("POST", "/api/jobs/news-classification", "application/x-ndjson",
                articles("night", 1));
        long job = JSON.readTree(waiting.body()).at("/job/id").asLong();
        db.useHandle(h -> h.execute("UPDATE requests SET not_before = 'infinity' WHERE job_id = ?", job));
        db.useHandle(h -> h.execute("UPDATE jobs SET schedule = 'overnight' WHERE id = ?", job));
        assertThat(send("POST", "/api/schedules/news-classification/trigger", null, null).statusCode()).isEqualTo(200);
        awaitFinished(job);
        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(send("POST", "/api/schedules/nope/pause", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void reportsAndSavings() throws Exception {
        long job = finishedJob();
        JsonNode byDay = json("/api/reports");
        assertThat(byDay.get("group").asText()).isEqualTo("day");
        assertThat(byDay.at("/rows/0/key").asText()).matches("\\d{4}-\\d{2}-\\d{2}");
        JsonNode byModel = json("/api/reports?group=model&since=2020-01-01");
        assertThat(byModel.at("/rows/0/key").asText()).isEqualTo("openai/gpt-4o-mini");
        double cost = db.withHandle(h -> h.createQuery("SELECT sum(cost_usd) FROM requests").mapTo(Double.class).one());
        assertThat(byModel.at("/total/cost_usd").asDouble()).isEqualTo(cost, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(byModel.at("/total/savings_usd").asDouble()).isEqualTo(cost, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(json("/api/reports?until=2020-01-01").get("rows")).isEmpty();

        HttpResponse<String> md = send("GET", "/api/reports?group=provider&format=md", null, null);
        assertThat(md.headers().firstValue("Content-Type").orElse("")).startsWith("text/markdown");
        assertThat(md.body()).contains("| provider | items |").contains("| openai |").contains("| **total** |");
        assertThat(send("GET", "/api/reports?group=week", null, null).statusCode()).isEqualTo(400);

        JsonNode savings = json("/api/reports/savings");
        assertThat(savings.get("savings_percent").asDouble()).isEqualTo(50.0);
        assertThat(savings.at("/by_provider/0/key").asText()).isEqualTo("openai");
        assertThat(job).isPositive();
    }

    @Test
    void healthAndTheOpenApiDocumentListEveryRestCall() throws Exception {
        HttpResponse<String> health = send("GET", "/api/health", null, null);
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("UP");

        HttpResponse<String> doc = send("GET", "/api/openapi.json", null, null);
        assertThat(doc.statusCode()).isEqualTo(200);
        SwaggerParseResult parsed = new OpenAPIParser().readContents(doc.body(), null, null);
        assertThat(parsed.getMessages()).isEmpty();
        OpenAPI api = parsed.getOpenAPI();
        assertThat(api.getOpenapi()).startsWith("3.");
        List<String> missing = new ArrayList<>();
        Map<String, String> undocumented = new HashMap<>();
        for (RestDefinition rest : template.getCamelContext().getCamelContextExtension().getContextPlugin(Model.class)
                .getRestDefinitions()) {
            for (VerbDefinition verb : rest.getVerbs()) {
                String path = rest.getPath() + verb.getPath();
                PathItem item = api.getPaths().get(path);
                var operation = item == null ? null
                        : item.readOperationsMap().get(PathItem.HttpMethod.valueOf(verb.asVerb().toUpperCase(Locale.ROOT)));
                if (operation == null) {
                    missing.add(verb.asVerb() + " " + path);
                } else if (operation.getDescription() == null && operation.getSummary() == null) {
                    undocumented.put(verb.asVerb() + " " + path, verb.getId());
                }
            }
        }
        assertThat(missing).isEmpty();
        assertThat(undocumented).isEmpty();
        assertThat(api.getPaths()).containsKeys("/api/jobs", "/api/jobs/{id}/results", "/api/tasks/{name}/estimate",
                "/api/reports/savings", "/api/schedules/{id}/trigger", "/api/health");
        assertThat(api.getComponents().getSchemas()).containsKey("Job");

        HttpResponse<String> page = send("GET", "/api/docs", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/api/openapi.json").contains("swagger-ui-bundle.js");
        HttpResponse<String> bundle = send("GET", "/api/docs/swagger-ui-bundle.js", null, null);
        assertThat(bundle.statusCode()).isEqualTo(200);
        assertThat(bundle.headers().firstValue("Content-Type")).hasValue("text/javascript");
        assertThat(bundle.body()).contains("SwaggerUIBundle");
        assertThat(send("GET", "/api/docs/swagger-ui.css.map", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> outside = send("GET", "/api/docs/..%2Fapplication.properties", null, null);
        assertThat(outside.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(outside.body()).doesNotContain("camel.main");
    }

    private JsonNode json(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null, null);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
