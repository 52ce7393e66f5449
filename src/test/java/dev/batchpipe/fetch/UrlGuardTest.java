package dev.batchpipe.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UrlGuardTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, loopback", "::1, loopback", "10.1.2.3, private", "172.16.0.1, private", "192.168.1.1, private",
            "169.254.169.254, 'link-local, cloud metadata'", "fe80::1, 'link-local, cloud metadata'",
            "fd00:ec2::254, unique-local (private)", "0.0.0.0, unspecified", "::, unspecified",
            "100.64.0.1, shared (carrier-grade NAT)", "224.0.0.1, multicast", "255.255.255.255, reserved",
            "::ffff:127.0.0.1, loopback", "64:ff9b::a00:1, private IPv4 in IPv6", "2002:a9fe:a9fe::, 'link-local, cloud metadata IPv4 in IPv6'"})
    void nonPublicAddressesAreRefusedByKind(String address, String kind) throws Exception {
        assertThat(UrlGuard.refusedKind(InetAddress.getByName(address))).isEqualTo(kind);
        assertThatThrownBy(() -> new UrlGuard(false, "").resolve(address))
                .isInstanceOf(UrlGuard.RefusedAddress.class).hasMessageContaining(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "172.32.0.1", "100.128.0.1"})
    void publicAddressesPass(String address) throws Exception {
        assertThat(UrlGuard.refusedKind(InetAddress.getByName(address))).isNull();
        assertThat(new UrlGuard(false, "").resolve(address)).containsExactly(InetAddress.getByName(address));
    }

    @Test
    void allowingPrivateOrARangeLetsThoseThrough() throws Exception {
        assertThat(new UrlGuard(true, "").resolve("127.0.0.1")).hasSize(1);
        UrlGuard intranet = new UrlGuard(false, "10.20.0.0/16, fd12::/16");
        assertThat(intranet.resolve("10.20.3.4")).hasSize(1);
        assertThat(intranet.resolve("fd12::1")).hasSize(1);
        assertThatThrownBy(() -> intranet.resolve("10.21.0.1")).isInstanceOf(UrlGuard.RefusedAddress.class);
        assertThatThrownBy(() -> intranet.resolve("169.254.169.254")).isInstanceOf(UrlGuard.RefusedAddress.class);
        assertThatThrownBy(() -> new UrlGuard(false, "intranet.local/8")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyHttpUrlsWithAHostAndNoUserInfoAreFetchable() throws Exception {
        assertThat(UrlGuard.fetchable(" https://example.com/a/../b ").toString()).isEqualTo("https://example.com/b");
        assertThatThrownBy(() -> UrlGuard.fetchable("file:///etc/passwd")).hasMessage("not an http(s) URL (scheme file)");
        assertThatThrownBy(() -> UrlGuard.fetchable("gopher://x/")).hasMessageContaining("scheme gopher");
        assertThatThrownBy(() -> UrlGuard.fetchable("/relative")).hasMessage("not an http(s) URL");
        assertThatThrownBy(() -> UrlGuard.fetchable("http:///nohost")).hasMessage("the URL has no host");
        assertThatThrownBy(() -> UrlGuard.fetchable("http://user:pw@example.com/")).hasMessageContaining("user info");
        assertThatThrownBy(() -> UrlGuard.fetchable("http://exa mple.com/")).hasMessageContaining("not a valid URL");
    }
}
