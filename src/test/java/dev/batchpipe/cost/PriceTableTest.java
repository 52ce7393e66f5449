package dev.batchpipe.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.Config;
import dev.batchpipe.provider.ResultLine;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private static final Map<String, String> SETTINGS = Map.ofEntries(
            Map.entry("batchpipe.price.batch-discount", "0.5"),
            Map.entry("batchpipe.price.cache-write-factor", "1.25"),
            Map.entry("batchpipe.price.long-cache-write-factor", "2"),
            Map.entry("batchpipe.price.openai.gpt-4o-mini.input", "0.15"),
            Map.entry("batchpipe.price.openai.gpt-4o-mini.output", "0.60"),
            Map.entry("batchpipe.price.openai.gpt-4o-mini.cached-input", "0.075"),
            Map.entry("batchpipe.price.openai.gpt-4o.input", "2.50"),
            Map.entry("batchpipe.price.openai.gpt-4o.output", "10"),
            Map.entry("batchpipe.price.openai.gpt-4o.cached-input", "1.25"),
            Map.entry("batchpipe.price.anthropic.claude-haiku-4-5.input", "1.00"),
            Map.entry("batchpipe.price.anthropic.claude-haiku-4-5.output", "5.00"),
            Map.entry("batchpipe.price.anthropic.claude-haiku-4-5.cached-input", "0.10"));

    private final PriceTable prices = PriceTable.fromConfig(new Config(new Config.Source() {
        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(SETTINGS.get(key));
        }

        @Override
        public Set<String> keys(String prefix) {
            return SETTINGS.keySet().stream().filter(k -> k.startsWith(prefix)).collect(Collectors.toSet());
        }
    }));

    @Test
    void batchCostIsHalfTheListPriceWithCachedTokensAtTheirOwnRate() {
        // 1M input of which 200k cached, 100k output: (800k*0.15 + 200k*0.075 + 100k*0.60)/1M = 0.195 list
        BigDecimal cost = prices.batchCost("openai", "gpt-4o-mini", new ResultLine.Usage(1_000_000, 100_000, 200_000));
        assertThat(cost).isEqualByComparingTo("0.0975");
    }

    @Test
    void anthropicCacheWritesCostAQuarterMoreForFiveMinutesAndTwiceTheInputPriceForAnHour() {
        // 1M input: 100k plain (1.00), 200k read (0.10), 300k written for 5 min (1.25), 400k for an hour (2.00):
        // list 0.1 + 0.02 + 0.375 + 0.8 = 1.295
        ResultLine.Usage usage = new ResultLine.Usage(1_000_000, 0, 200_000, 300_000, 400_000);
        assertThat(prices.realtimeCost("anthropic", "claude-haiku-4-5", usage)).isEqualByComparingTo("1.295");
        assertThat(prices.batchCost("anthropic", "claude-haiku-4-5", usage)).isEqualByComparingTo("0.6475");
        // the same input priced as plain input would be 0.82: the writes' premium is what makes the difference
        assertThat(prices.realtimeCost("anthropic", "claude-haiku-4-5", new ResultLine.Usage(1_000_000, 0, 200_000)))
                .isEqualByComparingTo("0.82");
    }

    @Test
    void datedModelNamesUseTheLongestListedPrefix() {
        assertThat(prices.find("openai", "gpt-4o-mini-2024-07-18").input()).isEqualByComparingTo("0.15");
        assertThat(prices.find("openai", "gpt-4o-2024-08-06").input()).isEqualByComparingTo("2.50");
        assertThat(prices.batchCost("openai", "unknown-model", new ResultLine.Usage(10, 10, 0))).isZero();
    }
}
