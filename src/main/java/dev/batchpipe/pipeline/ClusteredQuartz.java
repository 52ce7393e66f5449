package dev.batchpipe.pipeline;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.component.quartz.QuartzComponent;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;

/**
 * The Quartz scheduler behind the pack tick and the overnight windows. In the service it is clustered on batchpipe's
 * PostgreSQL (JDBC job store, tables from sql/V3): with N instances each schedule fires once. One-shot CLI commands
 * keep a scheduler of their own in memory, so they never take over a cluster trigger and then exit.
 */
public final class ClusteredQuartz {

    static final String DATA_SOURCE = "batchpipe";

    private ClusteredQuartz() {
    }

    public static QuartzComponent component(DataSource dataSource, boolean clustered, String instanceId) {
        Map<String, Object> props = new HashMap<>();
        props.put("org.quartz.scheduler.instanceName", "batchpipe");
        props.put("org.quartz.scheduler.skipUpdateCheck", "true");
        props.put("org.quartz.threadPool.threadCount", "4");
        if (clustered) {
            // Quartz instantiates connection providers by class name; registering ours by name hands it the pool
            DBConnectionManager.getInstance().addConnectionProvider(DATA_SOURCE, new PooledConnections(dataSource));
            props.put("org.quartz.scheduler.instanceId", instanceId);
            props.put("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
            props.put("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
            props.put("org.quartz.jobStore.dataSource", DATA_SOURCE);
            props.put("org.quartz.jobStore.tablePrefix", "qrtz_");
            props.put("org.quartz.jobStore.isClustered", "true");
            props.put("org.quartz.jobStore.clusterCheckinInterval", "5000");
            props.put("org.quartz.jobStore.misfireThreshold", "60000");
        } else {
            props.put("org.quartz.scheduler.instanceName", "batchpipe-local-" + ProcessHandle.current().pid());
            props.put("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        }
        QuartzComponent quartz = new QuartzComponent();
        quartz.setProperties(props);
        quartz.setPrefixInstanceName(false);
        return quartz;
    }

    private record PooledConnections(DataSource dataSource) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {
            // the pool belongs to batchpipe's Database
        }

        @Override
        public void initialize() {
        }
    }
}
