package dev.batchpipe.cost;

import dev.batchpipe.Config;
import dev.batchpipe.provider.ResultLine;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * List prices per provider and model (USD per million tokens) from {@code batchpipe.price.<provider>.<model>.<kind>}
 * with kind input, output or cached-input; batch calls cost {@code batchpipe.price.batch-discount} (0.5) of that.
 * Prompt-cache writes cost the input price times {@code batchpipe.price.cache-write-factor} (Anthropic's five-minute
 * cache: 1.25) or {@code batchpipe.price.long-cache-write-factor} (its one-hour cache: 2); a model may list its own
 * {@code cache-write} and {@code long-cache-write} prices instead. A dated model name (gpt-4o-mini-2024-07-18) uses
 * the price of its longest listed prefix.
 */
public final class PriceTable {

    private static final Logger LOG = LoggerFactory.getLogger(PriceTable.class);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public record Price(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheWrite,
                        BigDecimal longCacheWrite) {
    }

    private final Map<String, Map<String, Price>> prices;
    private final BigDecimal batchDiscount;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    public PriceTable(Map<String, Map<String, Price>> prices, BigDecimal batchDiscount) {
        this.prices = prices;
        this.batchDiscount = batchDiscount;
    }

    public static PriceTable fromConfig(Config config) {
        Map<String, Map<String, Map<String, BigDecimal>>> raw = new HashMap<>();
        config.withPrefix("batchpipe.price.").forEach((key, value) -> {
            int firstDot = key.indexOf('.');
            int lastDot = key.lastIndexOf('.');
            if (firstDot < 0 || lastDot <= firstDot) {
                return; // batch-discount and other non-model keys
            }
            raw.computeIfAbsent(key.substring(0, firstDot), k -> new HashMap<>())
                    .computeIfAbsent(key.substring(firstDot + 1, lastDot), k -> new HashMap<>())
                    .put(key.substring(lastDot + 1), new BigDecimal(value.trim()));
        });
        BigDecimal writeFactor = new BigDecimal(config.required("batchpipe.price.cache-write-factor"));
        BigDecimal longWriteFactor = new BigDecimal(config.required("batchpipe.price.long-cache-write-factor"));
        Map<String, Map<String, Price>> prices = new HashMap<>();
        raw.forEach((provider, models) -> models.forEach((model, kinds) -> {
            BigDecimal input = kinds.getOrDefault("input", BigDecimal.ZERO);
            prices.computeIfAbsent(provider, p -> new HashMap<>()).put(model, new Price(input,
                    kinds.getOrDefault("output", BigDecimal.ZERO), kinds.getOrDefault("cached-input", input),
                    kinds.getOrDefault("cache-write", input.multiply(writeFactor)),
                    kinds.getOrDefault("long-cache-write", input.multiply(longWriteFactor))));
        }));
        return new PriceTable(prices, new BigDecimal(config.required("batchpipe.price.batch-discount")));
    }

    /** Batch cost of one line's usage in USD. Unknown models cost 0, with one warning per model. */
    public BigDecimal batchCost(String provider, String model, ResultLine.Usage usage) {
        BigDecimal list = listCost(provider, model, usage);
        return list == null ? BigDecimal.ZERO : list.multiply(batchDiscount).setScale(8, RoundingMode.HALF_UP);
    }

    /** Cost of a realtime call's usage in USD: the list price, without the batch discount. */
    public BigDecimal realtimeCost(String provider, String model, ResultLine.Usage usage) {
        BigDecimal list = listCost(provider, model, usage);
        return list == null ? BigDecimal.ZERO : list.setScale(8, RoundingMode.HALF_UP);
    }

    /** The list price of the usage; null for a model without a price (warned about once). */
    private BigDecimal listCost(String provider, String model, ResultLine.Usage usage) {
        Price p = find(provider, model);
        if (p == null) {
            if (warned.add(provider + "/" + model)) {
                LOG.warn("No price for {} model {}: its cost is recorded as 0 (set batchpipe.price.{}.{}.input/output)",
                        provider, model, provider, model);
            }
            return null;
        }
        long uncached = Math.max(0, (long) usage.inputTokens() - usage.cachedInputTokens() - usage.cacheWriteTokens()
                - usage.longCacheWriteTokens());
        BigDecimal list = p.input().multiply(BigDecimal.valueOf(uncached))
                .add(p.cachedInput().multiply(BigDecimal.valueOf(usage.cachedInputTokens())))
                .add(p.cacheWrite().multiply(BigDecimal.valueOf(usage.cacheWriteTokens())))
                .add(p.longCacheWrite().multiply(BigDecimal.valueOf(usage.longCacheWriteTokens())))
                .add(p.output().multiply(BigDecimal.valueOf(usage.outputTokens())));
        return list.divide(MILLION, 16, RoundingMode.HALF_UP);
    }

    /** What a cost at the batch price would have been at the realtime (list) price. */
    public BigDecimal realtimeEquivalent(BigDecimal batchCost) {
        return batchCost.divide(batchDiscount, 8, RoundingMode.HALF_UP);
    }

    /** What a cost at the realtime (list) price would have been at the batch price. */
    public BigDecimal batchEquivalent(BigDecimal realtimeCost) {
        return realtimeCost.multiply(batchDiscount).setScale(8, RoundingMode.HALF_UP);
    }

    /** True when the model has a price (its own, or its longest listed prefix's). */
    public boolean priced(String provider, String model) {
        return find(provider, model) != null;
    }

    Price find(String provider, String model) {
        Map<String, Price> models = prices.get(provider);
        if (models == null) {
            return null;
        }
        Price exact = models.get(model);
        if (exact != null) {
            return exact;
        }
        return models.entrySet().stream()
                .filter(e -> model.startsWith(e.getKey()))
                .max(Comparator.comparingInt(e -> e.getKey().length()))
                .map(Map.Entry::getValue).orElse(null);
    }
}
