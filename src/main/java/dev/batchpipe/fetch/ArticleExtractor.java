package dev.batchpipe.fetch;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * The title and main text of an HTML page, with jsoup: the title from {@code og:title}, {@code <title>} or the first
 * heading; the text of the page's main element (the largest {@code <article>}, else {@code <main>}, else the body)
 * without navigation, headers, footers, forms and scripts, one paragraph per block.
 */
public final class ArticleExtractor {

    /** What a page says. */
    public record Article(String title, String text) {
    }

    private static final String BOILERPLATE = "script, style, noscript, template, nav, header, footer, aside, form, "
            + "iframe, svg, button, [hidden], [aria-hidden=true]";
    private static final String BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, blockquote, pre, figcaption, td";

    public Article extract(PageFetch page) throws IOException {
        Document doc = Jsoup.parse(new ByteArrayInputStream(page.body()), charset(page.contentType()), page.getUrl());
        String title = firstNonBlank(
                Optional.ofNullable(doc.selectFirst("meta[property=og:title]")).map(e -> e.attr("content")),
                Optional.of(doc.title()),
                Optional.ofNullable(doc.selectFirst("h1")).map(Element::text));
        doc.select(BOILERPLATE).remove();
        Element main = doc.select("article").stream().max(Comparator.comparingInt(e -> e.text().length()))
                .or(() -> Optional.ofNullable(doc.selectFirst("main, [role=main]")))
                .orElse(doc.body());
        String text = main == null ? "" : text(main);
        if (text.isBlank()) {
            throw new FetchFailed("no text on the page");
        }
        if (title.isBlank()) {
            String first = text.lines().findFirst().orElse("");
            title = first.length() > 120 ? first.substring(0, 120) + "…" : first;
        }
        return new Article(title, text);
    }

    /** The blocks of the element, each once (a paragraph inside a list item is the item's), or its text. */
    private static String text(Element main) {
        List<Element> blocks = main.select(BLOCKS).stream()
                .filter(e -> e.parents().stream().takeWhile(p -> p != main).noneMatch(p -> p.is(BLOCKS)))
                .toList();
        String joined = blocks.stream().map(Element::text).filter(t -> !t.isBlank())
                .collect(Collectors.joining("\n\n"));
        return joined.isBlank() ? main.text() : joined;
    }

    @SafeVarargs
    private static String firstNonBlank(Optional<String>... candidates) {
        return Stream.of(candidates).flatMap(Optional::stream).map(String::strip).filter(s -> !s.isEmpty())
                .findFirst().orElse("");
    }

    /** The charset the Content-Type names, or null: jsoup then reads it from the page (BOM, meta) or takes UTF-8. */
    static String charset(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String part : contentType.split(";")) {
            String p = part.strip();
            if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                String name = p.substring(8).replace("\"", "").strip();
                try {
                    return Charset.isSupported(name) ? name : null;
                } catch (IllegalCharsetNameException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
