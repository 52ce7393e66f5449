package dev.batchpipe.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.provider.ResultLine;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriceTableTest {

    private final PriceTable prices = new PriceTable(Map.of("openai", Map.of(
            "gpt-4o-mini", new PriceTable.Price(new BigDecimal("0.15"), new BigDecimal("0.60"), new BigDecimal("0.075")),
            "gpt-4o", new PriceTable.Price(new BigDecimal("2.50"), new BigDecimal("10"), new BigDecimal("1.25")))),
            new BigDecimal("0.5"));

    @Test
    void batchCostIsHalfTheListPriceWithCachedTokensAtTheirOwnRate() {
        // 1M input of which 200k cached, 100k output: (800k*0.15 + 200k*0.075 + 100k*0.60)/1M = 0.195 list
        BigDecimal cost = prices.batchCost("openai", "gpt-4o-mini", new ResultLine.Usage(1_000_000, 100_000, 200_000));
        assertThat(cost).isEqualByComparingTo("0.0975");
    }

    @Test
    void datedModelNamesUseTheLongestListedPrefix() {
        assertThat(prices.find("openai", "gpt-4o-mini-2024-07-18").input()).isEqualByComparingTo("0.15");
        assertThat(prices.find("openai", "gpt-4o-2024-08-06").input()).isEqualByComparingTo("2.50");
        assertThat(prices.batchCost("openai", "unknown-model", new ResultLine.Usage(10, 10, 0))).isZero();
    }
}
