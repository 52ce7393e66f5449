package dev.batchpipe.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ArticleExtractorTest {

    private final ArticleExtractor extractor = new ArticleExtractor();

    private static PageFetch page(String html, String contentType, Charset charset) {
        PageFetch page = new PageFetch(URI.create("https://news.example/a"));
        page.answered(html.getBytes(charset), contentType);
        return page;
    }

    @Test
    void theLargestArticleIsTheTextAndBoilerplateIsLeftOut() throws Exception {
        var article = extractor.extract(page("""
                <html><head><meta property="og:title" content="Rates rise"><title>Site | Rates</title></head>
                <body><header>Menu</header><article><p>Teaser</p></article>
                <article><h2>Rates rise</h2><ul><li><p>One point</p></li></ul><p>Banks raised rates.</p>
                <aside>Related</aside><script>x()</script></article><footer>(c)</footer></body></html>""",
                "text/html", StandardCharsets.UTF_8));
        assertThat(article.title()).isEqualTo("Rates rise");
        assertThat(article.text()).isEqualTo("Rates rise\n\nOne point\n\nBanks raised rates.");
    }

    @Test
    void theCharsetComesFromTheContentTypeOrThePage() throws Exception {
        String html = "<html><head><meta charset=\"iso-8859-9\"><title>Şirket</title></head><body><p>Türkçe ğüşıöç</p></body></html>";
        assertThat(extractor.extract(page(html, "text/html", Charset.forName("ISO-8859-9"))).text()).isEqualTo("Türkçe ğüşıöç");
        assertThat(extractor.extract(page(html, "text/html; charset=ISO-8859-9", Charset.forName("ISO-8859-9"))).title())
                .isEqualTo("Şirket");
    }

    @Test
    void aPageWithoutTitleTakesItsFirstLineAndOneWithoutTextIsRefused() throws Exception {
        assertThat(extractor.extract(page("<body><main><p>Only text here</p></main></body>", "text/html",
                StandardCharsets.UTF_8)).title()).isEqualTo("Only text here");
        assertThatThrownBy(() -> extractor.extract(page("<html><head><title>Empty</title></head><body><nav>x</nav></body></html>",
                "text/html", StandardCharsets.UTF_8))).isInstanceOf(FetchFailed.class).hasMessage("no text on the page");
    }
}
