package dev.batchpipe.api;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * One page of a listing: {@code next_cursor} is passed back as {@code ?cursor=} for the next page, and is null on
 * the last one. Cursors are the id of the last item, so a page stays right while new items arrive.
 */
public record Page<T>(List<T> items, String nextCursor) {

    /** The API's page sizes: 50 unless asked, 1 to 500. */
    public static int limit(String limit) {
        Long n = ApiProblem.number("limit", limit);
        return n == null ? 50 : (int) Math.max(1, Math.min(n, 500));
    }

    public static Long cursor(String cursor) {
        return ApiProblem.number("cursor", cursor);
    }

    /** A page of {@code rows} read with one more than {@code limit}: whether there is a next page says that one. */
    public static <T> Page<T> of(List<T> rows, int limit, ToLongFunction<T> id) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> page = rows.subList(0, limit);
        return new Page<>(List.copyOf(page), Long.toString(id.applyAsLong(page.get(limit - 1))));
    }
}
