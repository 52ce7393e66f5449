package dev.batchpipe.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.main.MainConfigurationProperties;

/** A clock a test moves on by hand (a simulated next day), starting at the real now. */
public final class MovableClock extends Clock {

    private volatile Instant now = Instant.now();

    /**
     * Makes this the service's {@code clock}, from a test's {@code @Configure} method: bound after the configuration's
     * own, as a supplier, since the registry looks those up first.
     */
    public void bindAsServiceClock(MainConfigurationProperties configuration) {
        MovableClock clock = this;
        configuration.addConfiguration(new CamelConfiguration() {
            @Override
            public void configure(CamelContext context) {
                context.getRegistry().bind("clock", Clock.class, () -> clock);
            }
        });
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
