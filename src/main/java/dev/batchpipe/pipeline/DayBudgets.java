package dev.batchpipe.pipeline;

import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jdbi.v3.core.Jdbi;

/**
 * Day budgets in US dollars: a task's {@code budget_usd_per_day}, and {@code BATCHPIPE_BUDGET_USD_PER_DAY} for every
 * task together (scope {@value #EVERYTHING}). A day (UTC) has committed what was submitted in that day's batches, each
 * request at its estimated batch cost: its input-token estimate and its max output tokens, at the batch price (the
 * most it can cost). Packing passes on a request only while the committed cost with it stays within each budget; the
 * others stay pending and go on a later day, and the scopes that held them are written to {@code budget_holds}, where
 * {@code status} and the API read why.
 */
public final class DayBudgets {

    /** The scope of the budget over every task. */
    public static final String EVERYTHING = "*";

    /** A budget and what its day has committed so far. */
    public record Spend(String scope, BigDecimal budgetUsd, BigDecimal committedUsd) {
        public double share() {
            return committedUsd.doubleValue() / budgetUsd.doubleValue();
        }
    }

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final PriceTable prices;
    private final Map<String, BigDecimal> budgets;
    private final Clock clock;

    /** {@code everything}: the budget over every task, null or zero for none. */
    public DayBudgets(Jdbi jdbi, TaskRegistry tasks, PriceTable prices, BigDecimal everything, Clock clock) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.prices = prices;
        this.clock = clock;
        Map<String, BigDecimal> all = new LinkedHashMap<>();
        if (everything != null && everything.signum() > 0) {
            all.put(EVERYTHING, everything);
        }
        for (TaskDefinition t : tasks.all()) {
            if (t.budgetUsdPerDay() != null) {
                all.put(t.name(), t.budgetUsdPerDay());
            }
        }
        this.budgets = Map.copyOf(all);
    }

    /** The day (UTC) packing counts against now. */
    public LocalDate today() {
        return LocalDate.now(clock.withZone(ZoneOffset.UTC));
    }

    /** Every budget with what the day has committed against it. */
    public List<Spend> spend(LocalDate day) {
        Map<String, BigDecimal> committed = committed(day);
        List<Spend> spend = new ArrayList<>();
        budgets.forEach((scope, usd) -> spend.add(new Spend(scope, usd, committed.getOrDefault(scope, BigDecimal.ZERO))));
        return spend;
    }

    /** The most one request can cost in a batch: its input estimate and its max output tokens. */
    public BigDecimal estimate(PendingRequest r) {
        int maxOutput = tasks.get(r.task()).request(r.template()).maxOutputTokens();
        return prices.batchCost(r.provider(), r.model(), new ResultLine.Usage(r.tokens(), maxOutput, 0));
    }

    /**
     * The due requests of one packing less those that would pass a budget of today. Once they are all read, the
     * scopes that held some are recorded (and those that held none cleared).
     */
    public Iterator<PendingRequest> within(Iterator<PendingRequest> due) {
        return budgets.isEmpty() ? due : new Admitted(due, today());
    }

    /** Committed per scope on a day: every task's, and their sum under {@value #EVERYTHING}. */
    private Map<String, BigDecimal> committed(LocalDate day) {
        Map<String, BigDecimal> committed = new HashMap<>();
        jdbi.useHandle(h -> h.createQuery("""
                        SELECT r.task, r.provider, r.model, sum(r.estimated_tokens), sum(coalesce(r.max_output_tokens, 0))
                        FROM request_submissions s JOIN batches b ON b.id = s.batch_id JOIN requests r ON r.id = s.request_id
                        WHERE b.created_at >= :from AND b.created_at < :to AND b.state <> 'abandoned'
                        GROUP BY 1, 2, 3""")
                .bind("from", start(day)).bind("to", start(day.plusDays(1)))
                .map((rs, ctx) -> {
                    BigDecimal cost = prices.batchCost(rs.getString(2), rs.getString(3),
                            new ResultLine.Usage(rs.getInt(4), rs.getInt(5), 0));
                    committed.merge(rs.getString(1), cost, BigDecimal::add);
                    committed.merge(EVERYTHING, cost, BigDecimal::add);
                    return cost;
                }).list());
        return committed;
    }

    private static Instant start(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The requests of one packing within today's budgets, reading ahead to the next one admitted. */
    private final class Admitted implements Iterator<PendingRequest>, Closeable {

        private final Iterator<PendingRequest> due;
        private final LocalDate day;
        private final Map<String, BigDecimal> committed;
        private final Map<String, Long> held = new HashMap<>();
        private PendingRequest next;
        private boolean recorded;

        Admitted(Iterator<PendingRequest> due, LocalDate day) {
            this.due = due;
            this.day = day;
            this.committed = committed(day);
        }

        @Override
        public boolean hasNext() {
            while (next == null && due.hasNext()) {
                PendingRequest r = due.next();
                BigDecimal cost = estimate(r);
                List<String> passed = new ArrayList<>();
                for (String scope : new String[] {r.task(), EVERYTHING}) {
                    BigDecimal budget = budgets.get(scope);
                    if (budget != null && committed.getOrDefault(scope, BigDecimal.ZERO).add(cost).compareTo(budget) > 0) {
                        passed.add(scope);
                    }
                }
                if (passed.isEmpty()) {
                    committed.merge(r.task(), cost, BigDecimal::add);
                    committed.merge(EVERYTHING, cost, BigDecimal::add);
                    next = r;
                } else {
                    passed.forEach(scope -> held.merge(scope, 1L, Long::sum));
                }
            }
            if (next == null) {
                record();
            }
            return next != null;
        }

        @Override
        public PendingRequest next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            PendingRequest r = next;
            next = null;
            return r;
        }

        @Override
        public void close() throws IOException {
            record();
            if (due instanceof Closeable c) {
                c.close();
            }
        }

        private void record() {
            if (recorded) {
                return;
            }
            recorded = true;
            jdbi.useTransaction(h -> {
                h.createUpdate("DELETE FROM budget_holds WHERE day = :day AND scope <> ALL(:scopes)").bind("day", day)
                        .bindArray("scopes", String.class, List.copyOf(held.keySet())).execute();
                held.forEach((scope, requests) -> h.createUpdate("""
                                INSERT INTO budget_holds (scope, day, budget_usd, committed_usd, held_requests, until)
                                VALUES (:scope, :day, :budget, :committed, :held, :until)
                                ON CONFLICT (scope, day) DO UPDATE SET budget_usd = excluded.budget_usd,
                                    committed_usd = excluded.committed_usd, held_requests = excluded.held_requests,
                                    held_at = now(), until = excluded.until""")
                        .bind("scope", scope).bind("day", day).bind("budget", budgets.get(scope))
                        .bind("committed", committed.getOrDefault(scope, BigDecimal.ZERO)).bind("held", requests)
                        .bind("until", start(day.plusDays(1))).execute());
            });
        }
    }
}
