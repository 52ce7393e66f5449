package dev.batchpipe.store;

import com.impossibl.postgres.api.jdbc.PGConnection;
import com.impossibl.postgres.api.jdbc.PGNotificationListener;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The connections camel-pgevent LISTENs on (pgjdbc-ng's), with one change: a listener hears that its connection closed
 * on a thread of its own rather than on pgjdbc-ng's netty I/O thread.
 *
 * <p>Why: when the server goes away, pgevent's listener reconnects from inside that callback and waits there until it
 * is connected again. pgjdbc-ng's connections share one netty event loop group (3 loops, handed out round robin), so
 * the wait blocks a loop, and every later connection registered on a blocked loop never finishes connecting: after a
 * database outage pgevent never came back (its own reconnect landed on a blocked loop, and waited for ever), and any
 * pgevent consumer started later in the same JVM hung at start. Off the I/O thread the wait blocks nothing.
 *
 * <p>And a second change, for a camel-pgevent 4.17.0 bug (CAMEL-23646, apache/camel#23639, fixed upstream after 4.17.0,
 * the latest release here): its reconnect task does not stop once connected, and opens a new LISTEN connection every
 * reconnect delay (5 s) for ever, leaving the previous one open and listening. So when a listener is added to a new
 * connection, the connection it listened on before is closed, and only the loss of a listener's current connection
 * is passed on to it. What remains of the bug is a connection replaced every 5 s per consumer after an outage; drop
 * this half when Camel is upgraded past the fix.
 */
final class NotificationDataSource implements DataSource {

    private final DataSource pgjdbcNg;
    /** The connection each of pgevent's listeners listens on now. */
    private final Map<PGNotificationListener, PGConnection> listeningOn = new ConcurrentHashMap<>();

    NotificationDataSource(DataSource pgjdbcNg) {
        this.pgjdbcNg = pgjdbcNg;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return closedOffTheIoThread((PGConnection) pgjdbcNg.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return closedOffTheIoThread((PGConnection) pgjdbcNg.getConnection(user, password));
    }

    /** The connection as it is, but for the listeners added to it. */
    private PGConnection closedOffTheIoThread(PGConnection connection) {
        return (PGConnection) Proxy.newProxyInstance(NotificationDataSource.class.getClassLoader(),
                new Class<?>[] {PGConnection.class}, (proxy, method, args) -> {
                    PGNotificationListener added = null;
                    if (method.getName().equals("addNotificationListener")) {
                        int last = args.length - 1;
                        added = (PGNotificationListener) args[last];
                        args[last] = new ClosedOnItsOwnThread(added, connection, listeningOn);
                    }
                    Object result;
                    try {
                        result = method.invoke(connection, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (added != null) {
                        PGConnection before = listeningOn.put(added, connection);
                        if (before != null && before != connection) {
                            closeQuietly(before);
                        }
                    }
                    return result;
                });
    }

    private static void closeQuietly(PGConnection replaced) {
        try {
            replaced.close();
        } catch (SQLException | RuntimeException e) {
            // a connection that cannot even be closed is gone already
        }
    }

    /**
     * Notifications as they come (pgevent hands them to its own workers); the loss of the listener's current connection
     * on a new daemon thread, and that of a connection it no longer listens on not at all.
     */
    private record ClosedOnItsOwnThread(PGNotificationListener listener, PGConnection connection,
                                        Map<PGNotificationListener, PGConnection> listeningOn)
            implements PGNotificationListener {

        @Override
        public void notification(int processId, String channelName, String payload) {
            listener.notification(processId, channelName, payload);
        }

        @Override
        public void closed() {
            if (listeningOn.get(listener) != connection) {
                return;
            }
            Thread thread = new Thread(listener::closed, "pgevent-reconnect");
            thread.setDaemon(true);
            thread.start();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pgjdbcNg.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pgjdbcNg.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pgjdbcNg.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pgjdbcNg.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getLogger("com.impossibl.postgres");
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return pgjdbcNg.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return pgjdbcNg.isWrapperFor(type);
    }
}
