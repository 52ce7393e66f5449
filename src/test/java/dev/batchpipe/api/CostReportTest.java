package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostReportTest {

    @Test
    void groupsAndFormatsAreCheckedWithTheChoicesNamed() {
        assertThat(CostReport.group(null)).isEqualTo(CostReport.Group.DAY);
        assertThat(CostReport.group(" Provider ")).isEqualTo(CostReport.Group.PROVIDER);
        assertThatThrownBy(() -> CostReport.group("week")).isInstanceOf(ApiProblem.class)
                .hasMessage("group must be day, task, provider or model");
        CostReport.checkFormat("md");
        CostReport.checkFormat("json");
        assertThatThrownBy(() -> CostReport.checkFormat("xml")).hasMessage("format must be json or md");
    }

    @Test
    void theMarkdownHasOneLinePerGroupAndATotalWithMoneyToTheHundredthOfACent() {
        CostReport.Row openai = new CostReport.Row("openai", 10, 12, 9, 1, 2, 5000, 1200, 3, 700, new BigDecimal("0.012345"),
                new BigDecimal("0.02469"), new BigDecimal("0.012345"), 0.9, 1);
        CostReport.Row none = new CostReport.Row("gemini", 1, 1, 0, 0, 0, 0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO,
                BigDecimal.ZERO, null, 0);
        String md = CostReport.markdown(new CostReport.Report("provider", Instant.parse("2026-11-01T00:00:00Z"), null,
                List.of(openai, none), openai));
        assertThat(md).startsWith("# batchpipe report by provider\n\nRequests created from 2026-11-01T00:00:00Z until now.");
        assertThat(md.lines().filter(l -> l.startsWith("|"))).hasSize(5);
        assertThat(md).contains("| openai | 10 | 12 | 5000 | 1200 | 3 | 700 | 0.0123 | 0.0247 | 0.0123 | 90.0% | 1 |")
                .as("no request final yet: no rate").contains("| gemini | 1 | 1 | 0 | 0 | 0 | 0 | 0.0000 | 0.0000 | 0.0000 | – | 0 |")
                .contains("| **total** | 10 | 12 |");
    }
}
