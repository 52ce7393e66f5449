package dev.batchpipe.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Decides which URLs batchpipe may fetch (server-side request forgery): only http and https, and only to public
 * addresses. Loopback, private, link-local (cloud metadata at 169.254.169.254), unique-local (fd00::/8), shared,
 * multicast and reserved addresses are refused unless {@code BATCHPIPE_FETCH_ALLOW_PRIVATE=true}.
 *
 * <p>The address check is the DNS resolver of the connection pool that fetches pages: a connection can only be opened
 * to an address this resolver returned, so the address checked is the one connected to (no gap for DNS rebinding
 * between a check and the connect), and it is checked again for every redirect target and every new connection.
 */
public final class UrlGuard implements DnsResolver {

    /** An address this guard refuses; an {@link UnknownHostException}, as HttpClient expects of its resolver. */
    public static final class RefusedAddress extends UnknownHostException {
        RefusedAddress(String message) {
            super(message);
        }
    }

    private final boolean allowPrivate;
    private final List<Cidr> allowed;

    /**
     * {@code allowPrivate}: every address may be fetched. {@code allowedRanges}: comma-separated CIDRs of non-public
     * addresses that may be fetched all the same (an intranet news server, say), the rest staying refused.
     */
    public UrlGuard(boolean allowPrivate, String allowedRanges) {
        this.allowPrivate = allowPrivate;
        this.allowed = allowedRanges == null || allowedRanges.isBlank() ? List.of()
                : Stream.of(allowedRanges.split(",")).map(String::strip).filter(r -> !r.isEmpty()).map(Cidr::parse)
                        .toList();
    }

    /** The URL as it may be fetched: absolute http(s) with a host and no user info. */
    public static URI fetchable(String url) throws FetchFailed {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new FetchFailed("not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new FetchFailed("not an http(s) URL" + (scheme.isEmpty() ? "" : " (scheme " + scheme + ")"));
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new FetchFailed("the URL has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new FetchFailed("URLs with user info (user:password@) are not fetched");
        }
        return uri.normalize();
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] addresses = SystemDefaultDnsResolver.INSTANCE.resolve(host);
        if (!allowPrivate) {
            // one refused address refuses the host: a name that also resolves privately is not trusted
            for (InetAddress address : addresses) {
                String kind = refusedKind(address);
                if (kind != null && allowed.stream().noneMatch(range -> range.contains(address))) {
                    throw new RefusedAddress("refused: " + host + " resolves to " + address.getHostAddress() + " ("
                            + kind + "), not a public address (BATCHPIPE_FETCH_ALLOW_PRIVATE=true, or its range in "
                            + "BATCHPIPE_FETCH_ALLOW_ADDRESSES, allows it)");
                }
            }
        }
        return addresses;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }

    /** What kind of non-public address this is, or null for a public one. */
    static String refusedKind(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLinkLocalAddress()) {
            return "link-local, cloud metadata";
        }
        if (address.isSiteLocalAddress()) {
            return "private";
        }
        if (address.isMulticastAddress()) {
            return "multicast";
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return ipv4Kind(b);
        }
        if (address instanceof Inet6Address v6) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) {
                return "unique-local (private)"; // fc00::/7, fd00::/8 among them (AWS metadata fd00:ec2::254)
            }
            if (first == 0xfe && (b[1] & 0xc0) == 0xc0) {
                return "site-local (private)"; // fec0::/10
            }
            // IPv4 carried in IPv6: IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16
            if (v6.isIPv4CompatibleAddress()) {
                return embedded(b, 12);
            }
            if (first == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
                return embedded(b, 12);
            }
            if (first == 0x20 && (b[1] & 0xff) == 0x02) {
                return embedded(b, 2);
            }
        }
        return null;
    }

    private static String embedded(byte[] b, int offset) {
        byte[] v4 = {b[offset], b[offset + 1], b[offset + 2], b[offset + 3]};
        try {
            String kind = refusedKind(InetAddress.getByAddress(v4));
            return kind == null ? null : kind + " IPv4 in IPv6";
        } catch (UnknownHostException e) {
            return "malformed";
        }
    }

    private static String ipv4Kind(byte[] b) {
        int a = b[0] & 0xff;
        int c = b[1] & 0xff;
        if (a == 0) {
            return "unspecified"; // 0.0.0.0/8
        }
        if (a == 100 && (c & 0xc0) == 64) {
            return "shared (carrier-grade NAT)"; // 100.64.0.0/10
        }
        if (a == 192 && c == 0 && (b[2] & 0xff) == 0) {
            return "reserved"; // 192.0.0.0/24
        }
        if (a == 198 && (c & 0xfe) == 18) {
            return "reserved (benchmarking)"; // 198.18.0.0/15
        }
        if (a >= 240) {
            return "reserved"; // 240.0.0.0/4 and the broadcast address
        }
        return null;
    }

    /** An address range, {@code 10.1.0.0/16} or {@code fd12::/16}; a bare address is a range of one. */
    record Cidr(byte[] network, int bits) {

        static Cidr parse(String text) {
            String[] parts = text.split("/", 2);
            // an address literal only: a host name here would be looked up, once, at start-up
            if (!parts[0].matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("not an address range: " + text);
            }
            try {
                byte[] network = InetAddress.getByName(parts[0]).getAddress();
                int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : network.length * 8;
                if (bits < 0 || bits > network.length * 8) {
                    throw new IllegalArgumentException("not an address range: " + text);
                }
                return new Cidr(network, bits);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("not an address range: " + text, e);
            }
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((a[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
