package dev.batchpipe.pipeline;

import dev.batchpipe.StartupException;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.provider.SandboxPolicy;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the service says at start about the providers whose requests it holds (no API key, and the sandbox may not
 * answer them): one warning each, and a row in {@code provider_holds}, where {@code status} and the API of any process
 * show the reason beside the waiting requests. A provider held no more loses its row. With the sandbox refused
 * outright ({@code BATCHPIPE_SANDBOX=false}), a held provider that a task needs stops the start instead.
 */
public final class ProviderHolds {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderHolds.class);

    private final Jdbi jdbi;
    private final Providers providers;
    private final TaskRegistry tasks;
    private final SandboxPolicy policy;

    public ProviderHolds(Jdbi jdbi, Providers providers, TaskRegistry tasks, SandboxPolicy policy) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.tasks = tasks;
        this.policy = policy;
    }

    /** Records the holds of this start; throws (the service does not start) when the policy refuses one a task needs. */
    public void record() {
        Map<String, String> holds = providers.holds();
        Optional<String> needed = tasks.all().stream().flatMap(t -> t.requests().stream())
                .map(TaskDefinition.RequestTemplate::provider).filter(holds::containsKey).findFirst();
        if (policy.refusesToStart() && needed.isPresent()) {
            throw new StartupException(holds.get(needed.get()));
        }
        holds.forEach((provider, reason) -> LOG.warn("Holding the requests for {}: {}", provider, reason));
        List<String> held = List.copyOf(holds.keySet());
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM provider_holds WHERE provider <> ALL(:held)")
                    .bindArray("held", String.class, held).execute();
            holds.forEach((provider, reason) -> h.createUpdate("INSERT INTO provider_holds (provider, reason) "
                            + "VALUES (:p, :r) ON CONFLICT (provider) DO UPDATE SET reason = excluded.reason")
                    .bind("p", provider).bind("r", reason).execute());
        });
    }
}
