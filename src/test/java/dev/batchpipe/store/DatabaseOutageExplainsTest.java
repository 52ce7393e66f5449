package dev.batchpipe.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseOutageExplainsTest {

    @Test
    void aLostConnectionIsTheDatabaseGoneAndABadStatementIsNot() {
        assertThat(DatabaseOutage.explains(new SQLException("terminating connection", "57P01"))).isTrue();
        assertThat(DatabaseOutage.explains(new RuntimeException("ingest", new SQLException("Connection is closed"))))
                .as("HikariCP's closed proxy").isTrue();
        assertThat(DatabaseOutage.explains(new SQLException("syntax error", "42601"))).isFalse();
        assertThat(DatabaseOutage.explains(new SQLException("Connection is closed for maintenance of my app"))).isFalse();
    }
}
