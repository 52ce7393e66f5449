import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Draws the small garment pictures of samples/images/ that samples/posts.csv names (run from the project folder:
 * {@code java samples/GenerateImages.java}). Drawn, not downloaded: the sample runs offline and the files are ours.
 * {@code java samples/GenerateImages.java DIR N SIDE} instead draws N pictures of SIDE×SIDE pixels with noise (so
 * they do not compress away), half PNG, half JPEG, into DIR/images/, and DIR/posts.csv with two images per post
 * (bench/images.sh).
 */
public class GenerateImages {

    record Picture(String name, String format, String garment, Color colour, Color accent) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 3) {
            many(new File(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        Picture[] pictures = {
            new Picture("p1-front.png", "png", "tshirt", new Color(0xd62828), Color.WHITE),
            new Picture("p1-back.png", "png", "tshirt", new Color(0xd62828), new Color(0x003049)),
            new Picture("p2-dress.jpg", "jpeg", "dress", new Color(0x2a9d8f), new Color(0xe9c46a)),
            new Picture("p3-jeans.png", "png", "trousers", new Color(0x1d3557), new Color(0xa8dadc)),
            new Picture("p3-jacket.jpg", "jpeg", "jacket", new Color(0x6b705c), new Color(0xcb997e)),
            new Picture("p3-detail.png", "png", "jacket", new Color(0x6b705c), Color.BLACK),
            new Picture("p4-skirt.jpg", "jpeg", "skirt", new Color(0xf4a261), new Color(0x264653)),
            new Picture("p5-coat.png", "png", "jacket", new Color(0x000000), new Color(0x8d99ae)),
            new Picture("p5-scarf.jpg", "jpeg", "dress", new Color(0xe76f51), new Color(0xffffff)),
        };
        File dir = new File("samples/images");
        dir.mkdirs();
        for (Picture p : pictures) {
            BufferedImage img = new BufferedImage(96, 128, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(new Color(0xf1faee));
            g.fillRect(0, 0, 96, 128);
            g.setColor(p.colour());
            g.fillPolygon(shape(p.garment()));
            g.setColor(p.accent());
            g.fillRect(40, 30, 16, 6);
            g.dispose();
            ImageIO.write(img, p.format(), new File(dir, p.name()));
        }
    }

    private static void many(File dir, int n, int side) throws IOException {
        File images = new File(dir, "images");
        images.mkdirs();
        java.util.Random random = new java.util.Random(42);
        String[] garments = {"tshirt", "dress", "trousers", "skirt", "jacket"};
        StringBuilder posts = new StringBuilder("post_id,caption,images\n");
        for (int i = 1; i <= n; i++) {
            BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    img.setRGB(x, y, random.nextInt(0x1000000));
                }
            }
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(random.nextInt(0x1000000)));
            g.scale(side / 96.0, side / 128.0);
            g.fillPolygon(shape(garments[i % garments.length]));
            g.dispose();
            String name = String.format("img-%05d.%s", i, i % 2 == 0 ? "jpg" : "png");
            ImageIO.write(img, i % 2 == 0 ? "jpeg" : "png", new File(images, name));
            if (i % 2 == 0) {
                posts.append(String.format("post-%05d,Look number %d,images/img-%05d.png images/%s%n", i / 2, i / 2,
                        i - 1, name));
            }
        }
        java.nio.file.Files.writeString(new File(dir, "posts.csv").toPath(), posts);
    }

    private static Polygon shape(String garment) {
        return switch (garment) {
            case "tshirt" -> new Polygon(new int[] {28, 40, 56, 68, 88, 78, 68, 68, 28, 28, 18, 8},
                    new int[] {16, 22, 22, 16, 36, 50, 42, 112, 112, 42, 50, 36}, 12);
            case "dress" -> new Polygon(new int[] {36, 60, 64, 84, 12, 32}, new int[] {12, 12, 48, 120, 120, 48}, 6);
            case "trousers" -> new Polygon(new int[] {24, 72, 78, 56, 48, 40, 18},
                    new int[] {12, 12, 120, 120, 48, 120, 120}, 7);
            case "skirt" -> new Polygon(new int[] {30, 66, 86, 10}, new int[] {24, 24, 104, 104}, 4);
            default -> new Polygon(new int[] {26, 70, 90, 80, 72, 72, 24, 24, 16, 6},
                    new int[] {12, 12, 40, 100, 60, 120, 120, 60, 100, 40}, 10);
        };
    }
}
