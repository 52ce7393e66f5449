package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PageTest {

    @Test
    void theLimitIs50UnlessAskedAndKeptBetween1And500() {
        assertThat(Page.limit(null)).isEqualTo(50);
        assertThat(Page.limit("7")).isEqualTo(7);
        assertThat(Page.limit("0")).isEqualTo(1);
        assertThat(Page.limit("100000")).isEqualTo(500);
        assertThatThrownBy(() -> Page.limit("ten")).isInstanceOf(ApiProblem.class).hasMessageContaining("limit");
        assertThatThrownBy(() -> Page.cursor("x'--")).isInstanceOf(ApiProblem.class).hasMessageContaining("cursor");
    }

    @Test
    void aPageReadWithOneRowMoreHasANextCursorAtItsLastItem() {
        Page<Long> full = Page.of(List.of(9L, 8L, 7L), 2, Long::longValue);
        assertThat(full.items()).containsExactly(9L, 8L);
        assertThat(full.nextCursor()).isEqualTo("8");

        Page<Long> last = Page.of(List.of(9L, 8L), 2, Long::longValue);
        assertThat(last.items()).containsExactly(9L, 8L);
        assertThat(last.nextCursor()).as("the last page").isNull();
    }
}
