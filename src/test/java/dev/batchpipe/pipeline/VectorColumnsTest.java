package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.StartupException;
import dev.batchpipe.support.DatabaseTest;
import org.junit.jupiter.api.Test;

/**
 * Where embeddings are stored: real[] everywhere, vector(n) once pgvector is installed. The embedded PostgreSQL has no
 * pgvector, so the conversion is checked as the statement it would run, and the detection on the real database.
 */
class VectorColumnsTest extends DatabaseTest {

    @Test
    void withPgvectorARealArrayColumnBecomesAVectorOfTheRequestedSize() {
        assertThat(VectorColumns.conversion("article_embeddings", "embedding", "real[]", 256, true)).contains(
                "ALTER TABLE article_embeddings ALTER COLUMN embedding TYPE vector(256) USING embedding::vector(256)");
        assertThat(VectorColumns.conversion("t", "v", "double precision[]", 8, true))
                .contains("ALTER TABLE t ALTER COLUMN v TYPE vector(8) USING v::vector(8)");
    }

    @Test
    void withoutPgvectorOrWithoutASizeTheColumnStaysAsItIs() {
        assertThat(VectorColumns.conversion("article_embeddings", "embedding", "real[]", 256, false)).isEmpty();
        assertThat(VectorColumns.conversion("article_embeddings", "embedding", "real[]", null, true))
                .as("vector(n) needs n").isEmpty();
        assertThat(VectorColumns.conversion("article_embeddings", "embedding", "vector(256)", 256, true))
                .as("converted before").isEmpty();
        assertThat(VectorColumns.conversion("article_embeddings", "embedding", "vector", null, true)).isEmpty();
    }

    @Test
    void aVectorOfAnotherSizeOrANonNumericColumnStopsTheStart() {
        assertThatThrownBy(() -> VectorColumns.conversion("article_embeddings", "embedding", "vector(1536)", 256, true))
                .isInstanceOf(StartupException.class)
                .hasMessage("article_embeddings.embedding is vector(1536) but its request asks for 256 dimensions");
        assertThatThrownBy(() -> VectorColumns.conversion("t", "v", "text", 3, false))
                .isInstanceOf(StartupException.class)
                .hasMessage("t.v is text: an embedding is stored in a real[] column (or vector(n) with pgvector)");
    }

    @Test
    void aVectorIsWrittenAsPgvectorReadsIt() throws Exception {
        var values = new ObjectMapper().readTree("[0.25,-1.5E-4,1]");
        var literal = VectorColumns.literal(values);
        assertThat(literal.getType()).isEqualTo("vector");
        assertThat(literal.getValue()).isEqualTo("[0.25,-1.5E-4,1]");
    }

    @Test
    void theEmbeddedDatabaseHasNoPgvectorAndArticleEmbeddingsIsARealArray() {
        db.useHandle(h -> {
            assertThat(VectorColumns.pgvectorInstalled(h)).isFalse();
            assertThat(VectorColumns.declaredType(h, "article_embeddings", "embedding")).isEqualTo("real[]");
        });
    }
}
