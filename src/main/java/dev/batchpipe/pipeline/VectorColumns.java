package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.StartupException;
import java.sql.SQLException;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.postgresql.util.PGobject;

/**
 * Where embedding vectors are stored: the {@code real[]} column a migration declares, or pgvector's {@code vector(n)}
 * when that extension is installed in the database. Decided at start-up, for each column an embedding request writes
 * its vector into: with pgvector and a known size ({@code dimensions}) a {@code real[]} column is converted once
 * (pgvector casts {@code real[]} to {@code vector}); a {@code vector} column must have the size the request asks for.
 */
final class VectorColumns {

    private VectorColumns() {
    }

    static boolean pgvectorInstalled(Handle h) {
        return h.createQuery("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')")
                .mapTo(Boolean.class).one();
    }

    /** The column's type as PostgreSQL writes it: {@code real[]}, {@code vector(256)}, … */
    static String declaredType(Handle h, String table, String column) {
        return h.createQuery("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                        + "WHERE a.attrelid = to_regclass(:t) AND a.attname = :c AND NOT a.attisdropped")
                .bind("t", table).bind("c", column).mapTo(String.class).one();
    }

    /**
     * The statement that moves an embedding column to {@code vector(n)}, or empty when it stays as it is: without
     * pgvector, without a known size, or when it is {@code vector} already.
     *
     * @throws StartupException for a {@code vector} column of another size than {@code dimensions}, or a column that
     *                          is neither {@code vector} nor {@code real[]} / {@code double precision[]}
     */
    static Optional<String> conversion(String table, String column, String declaredType, Integer dimensions,
                                       boolean pgvector) {
        if (declaredType.startsWith("vector")) {
            if (dimensions != null && !declaredType.equals("vector(" + dimensions + ")")) {
                throw new StartupException(table + "." + column + " is " + declaredType + " but its request asks for "
                        + dimensions + " dimensions");
            }
            return Optional.empty();
        }
        if (!declaredType.equals("real[]") && !declaredType.equals("double precision[]")) {
            throw new StartupException(table + "." + column + " is " + declaredType + ": an embedding is stored in a "
                    + "real[] column (or vector(n) with pgvector)");
        }
        if (!pgvector || dimensions == null) {
            return Optional.empty();
        }
        String vector = "vector(" + dimensions + ")";
        return Optional.of("ALTER TABLE " + table + " ALTER COLUMN " + column + " TYPE " + vector + " USING " + column
                + "::" + vector);
    }

    /** A vector as pgvector reads it: {@code [0.1,0.2,…]}. */
    static PGobject literal(JsonNode values) throws SQLException {
        StringBuilder text = new StringBuilder(values.size() * 12).append('[');
        for (int i = 0; i < values.size(); i++) {
            text.append(i == 0 ? "" : ",").append(values.get(i).asText());
        }
        PGobject vector = new PGobject();
        vector.setType("vector");
        vector.setValue(text.append(']').toString());
        return vector;
    }
}
