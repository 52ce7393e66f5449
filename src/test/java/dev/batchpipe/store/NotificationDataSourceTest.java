package dev.batchpipe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.impossibl.postgres.api.jdbc.PGConnection;
import com.impossibl.postgres.api.jdbc.PGNotificationListener;
import com.impossibl.postgres.jdbc.PGDataSource;
import dev.batchpipe.support.TestDatabase;
import java.net.URI;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** On a real PostgreSQL: the closing callback off pgjdbc-ng's I/O thread, and one connection per listener. */
class NotificationDataSourceTest {

    @Test
    void aListenerHearsOfItsCurrentConnectionsLossOffTheIoThreadAndItsOldConnectionIsClosed() throws Exception {
        String url = TestDatabase.freshUrl();
        URI u = URI.create(url.substring("jdbc:".length()));
        PGDataSource pg = new PGDataSource();
        pg.setHost(u.getHost());
        pg.setPort(u.getPort());
        pg.setDatabaseName(u.getPath().substring(1));
        pg.setUser("postgres");
        NotificationDataSource ds = new NotificationDataSource(pg);
        List<String> closedOn = new CopyOnWriteArrayList<>();
        PGNotificationListener listener = new PGNotificationListener() {
            @Override
            public void closed() {
                closedOn.add(Thread.currentThread().getName());
            }
        };

        PGConnection first = (PGConnection) ds.getConnection();
        first.addNotificationListener("l", "c", listener);
        PGConnection second = (PGConnection) ds.getConnection();
        second.addNotificationListener("l", "c", listener);
        // the listener moved: its first connection is closed, and that loss is not the listener's
        await().atMost(Duration.ofSeconds(5)).until(first::isClosed);
        Thread.sleep(300);
        assertThat(closedOn).isEmpty();

        // its current connection killed by the server: heard, on a thread of its own
        Jdbi.create(url).useHandle(h -> h.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                + "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !closedOn.isEmpty());
        assertThat(closedOn).containsExactly("pgevent-reconnect");
        try (Connection c = second) {
            assertThat(c.isValid(1)).isFalse();
        }
    }
}
