package dev.batchpipe.pipeline;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Maps an extracted entity name to a row of {@code entities}: the same normalised name (case, accents, punctuation
 * and whitespace folded), else the most similar existing name above a trigram-similarity threshold (pg_trgm), else
 * a new entity.
 */
public final class EntityResolver {

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private final double threshold;

    public EntityResolver(double threshold) {
        this.threshold = threshold;
    }

    public static String normalise(String name) {
        String decomposed = Normalizer.normalize(name, Normalizer.Form.NFKD);
        String noMarks = MARKS.matcher(decomposed).replaceAll("");
        return NON_WORD.matcher(noMarks.toLowerCase(Locale.ROOT)).replaceAll(" ").trim();
    }

    public long resolve(Handle h, String name, String type) {
        String normalised = normalise(name);
        if (normalised.isEmpty()) {
            throw new IllegalArgumentException("entity name '" + name + "' has no letters or digits");
        }
        Optional<Long> found = exact(h, normalised).or(() -> similar(h, normalised));
        if (found.isPresent()) {
            return found.get();
        }
        // serialise creation so two near-identical new names in concurrent transactions do not both become entities
        h.execute("SELECT pg_advisory_xact_lock(hashtext('batchpipe.entities'))");
        return exact(h, normalised).or(() -> similar(h, normalised)).orElseGet(() -> h.createQuery(
                        "INSERT INTO entities (name, normalized_name, type) VALUES (:name, :norm, :type) "
                                + "ON CONFLICT (normalized_name) DO UPDATE SET name = entities.name RETURNING id")
                .bind("name", name.trim()).bind("norm", normalised).bind("type", type)
                .mapTo(Long.class).one());
    }

    private static Optional<Long> exact(Handle h, String normalised) {
        return h.createQuery("SELECT id FROM entities WHERE normalized_name = :n").bind("n", normalised)
                .mapTo(Long.class).findOne();
    }

    private Optional<Long> similar(Handle h, String normalised) {
        h.createQuery("SELECT set_config('pg_trgm.similarity_threshold', :t, true)")
                .bind("t", Double.toString(threshold)).mapTo(String.class).one();
        return h.createQuery("SELECT id FROM entities WHERE normalized_name % :n "
                        + "ORDER BY similarity(normalized_name, :n) DESC, id LIMIT 1")
                .bind("n", normalised).mapTo(Long.class).findOne();
    }
}
