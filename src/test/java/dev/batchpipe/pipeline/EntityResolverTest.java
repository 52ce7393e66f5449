package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.DatabaseTest;
import org.junit.jupiter.api.Test;

class EntityResolverTest extends DatabaseTest {

    private final EntityResolver resolver = new EntityResolver(0.6);

    @Test
    void namesAreFoldedForCaseAccentsPunctuationAndSpace() {
        assertThat(EntityResolver.normalise("  Türk Hava Yolları, A.Ş. ")).isEqualTo("turk hava yolları a s");
        assertThat(EntityResolver.normalise("ÉLYSÉE–Palace")).isEqualTo("elysee palace");
        assertThat(EntityResolver.normalise("J.P. Morgan")).isEqualTo(EntityResolver.normalise("j p  morgan"));
    }

    @Test
    void exactThenFuzzyMatchesReuseEntitiesAndOnlyNewNamesCreateRows() {
        long first = db.inTransaction(h -> resolver.resolve(h, "European Central Bank", "organization"));
        long sameNormalised = db.inTransaction(h -> resolver.resolve(h, "european central bank.", "organization"));
        long similar = db.inTransaction(h -> resolver.resolve(h, "European Central Banks", "organization"));
        long different = db.inTransaction(h -> resolver.resolve(h, "Bank of Japan", "organization"));

        assertThat(sameNormalised).isEqualTo(first);
        assertThat(similar).isEqualTo(first);
        assertThat(different).isNotEqualTo(first);
        assertThat(count("SELECT count(*) FROM entities")).isEqualTo(2);
    }
}
