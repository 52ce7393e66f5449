package dev.batchpipe.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The words of a user prompt, so generated answers read like extractions from it: entities are runs of capitalised
 * words ("European Central Bank"), topics and sentences are runs of consecutive words. Related inputs that share
 * names therefore yield answers that share names.
 */
final class PromptWords {

    /** Answers draw on the start of very long prompts only, which keeps a line's cost bounded. */
    private static final int MAX_CHARS = 16_000;
    private static final Set<String> STOP = Set.of("a", "an", "and", "are", "as", "at", "be", "but", "by", "for",
            "from", "has", "have", "he", "her", "his", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or",
            "our", "she", "so", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "was",
            "we", "were", "what", "when", "which", "who", "will", "with", "you", "your", "after", "before", "also",
            "not", "all", "any", "can", "may", "than", "about", "over", "out", "up", "one", "two", "new", "more",
            "most", "said", "says", "would", "could", "should", "been", "being", "do", "does", "did", "text",
            "extract", "classify", "summarize", "summarise", "return", "answer", "json", "following", "given");
    /** Used only when a prompt has no words at all. */
    private static final List<String> FALLBACK = List.of("Sandbox", "Answer", "Alpha", "Beta", "Gamma", "Delta");

    private final List<String> words;
    private final List<String> entities;

    private PromptWords(List<String> words, List<String> entities) {
        this.words = words;
        this.entities = entities;
    }

    static PromptWords of(String text) {
        String t = text == null ? "" : text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
        List<String> words = new ArrayList<>();
        List<String> entities = new ArrayList<>();
        List<String> run = new ArrayList<>();
        int i = 0;
        boolean adjacent = false;
        // a hand-written scanner: this runs for every batch line, and a regex was its hot spot
        while (i < t.length()) {
            char c = t.charAt(i);
            if (!Character.isLetterOrDigit(c)) {
                if (!Character.isWhitespace(c)) {
                    adjacent = false;
                }
                i++;
                continue;
            }
            int start = i;
            while (i < t.length() && isWordChar(t.charAt(i))) {
                i++;
            }
            String w = t.substring(start, i);
            words.add(w);
            boolean capital = Character.isUpperCase(c);
            if (!capital || !adjacent) {
                flush(run, entities);
            }
            if (capital && !(run.isEmpty() && STOP.contains(w.toLowerCase(Locale.ROOT)))) {
                run.add(w);
            }
            adjacent = true;
        }
        flush(run, entities);
        if (words.isEmpty()) {
            words.addAll(FALLBACK);
        }
        if (entities.isEmpty()) {
            words.stream().filter(w -> w.length() > 3 && !STOP.contains(w.toLowerCase(Locale.ROOT)))
                    .map(PromptWords::capitalise).forEach(entities::add);
        }
        if (entities.isEmpty()) {
            entities.addAll(FALLBACK);
        }
        return new PromptWords(words, entities);
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '\'' || c == '’' || c == '-';
    }

    private static void flush(List<String> run, List<String> entities) {
        if (!run.isEmpty()) {
            // long capitalised runs are headlines rather than names: keep their first three words
            entities.add(String.join(" ", run.subList(0, Math.min(3, run.size()))));
            run.clear();
        }
    }

    private static String capitalise(String w) {
        return w.substring(0, 1).toUpperCase(Locale.ROOT) + w.substring(1);
    }

    /** A name-like run of capitalised words from the prompt. */
    String entity(SplittableRandom rnd) {
        return entities.get(rnd.nextInt(entities.size()));
    }

    /** One to three consecutive content words, lower case: a topic or keyword ("energy prices"). */
    String topic(SplittableRandom rnd) {
        int start = rnd.nextInt(words.size());
        for (int i = 0; i < words.size(); i++) {
            int at = (start + i) % words.size();
            if (isTopicWord(words.get(at))) {
                start = at;
                break;
            }
        }
        int n = 1 + rnd.nextInt(3);
        StringBuilder sb = new StringBuilder(words.get(start).toLowerCase(Locale.ROOT));
        for (int i = start + 1; i < Math.min(words.size(), start + n) && isTopicWord(words.get(i)); i++) {
            sb.append(' ').append(words.get(i).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    /** Lower-case content words: capitalised ones are names, short ones mostly function words. */
    private static boolean isTopicWord(String w) {
        return w.length() >= 4 && !Character.isUpperCase(w.codePointAt(0))
                && !STOP.contains(w.toLowerCase(Locale.ROOT));
    }

    /** A run of consecutive prompt words as a sentence, between {@code min} and {@code max} words. */
    String sentence(SplittableRandom rnd, int min, int max) {
        // a short prompt gives a short sentence rather than the same words twice
        int n = Math.min(words.size(), min + rnd.nextInt(Math.max(1, max - min + 1)));
        int start = rnd.nextInt(Math.max(1, words.size() - n + 1));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(words.get((start + i) % words.size()));
        }
        return capitalise(sb.toString()) + ".";
    }

    /** Any single word of the prompt. */
    String word(SplittableRandom rnd) {
        return words.get(rnd.nextInt(words.size()));
    }
}
