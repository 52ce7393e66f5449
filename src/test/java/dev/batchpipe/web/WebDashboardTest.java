package dev.batchpipe.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.batchpipe.support.ServiceTest;
import java.io.File;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard at / in headless Chromium (Debian's chromium and chromium-driver), against the service running in
 * this JVM with a finished job and a dead letter: the job, its progress and its cost are on the page, its replay
 * button replays the dead letter, and the browser's console has no errors. A screenshot is saved as
 * target/dashboard.png. Skipped, saying how to install them, where Chromium or its driver is missing.
 */
class WebDashboardTest extends ServiceTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void theDashboardShowsTheJobAndReplaysADeadLetter() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "Chromium or its driver is missing: install them with `sudo apt-get install -y chromium chromium-driver` "
                        + "(Debian; .ci/run does) to run the dashboard test");
        long job = process("news-classification", "dashboard.jsonl", articles("wd", 3), "openai", null);
        awaitFinished(job);
        sandbox.faults().openAi().invalidAnswerFraction(1.0);
        long failing = process("news-classification", "dashboard-dead.jsonl", articles("wx", 1), "openai", null);
        awaitFinished(failing);
        sandbox.faults().reset();
        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ? AND replayed_at IS NULL", failing)).isEqualTo(1);

        ChromeDriver browser = chromium();
        try {
            browser.get(base() + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#jobs tr[data-job='" + job + "']")));
            assertThat(row.getText()).contains("#" + job).contains("news-classification").contains("succeeded");
            assertThat(row.findElement(By.cssSelector("[role=progressbar]")).getDomAttribute("aria-valuenow"))
                    .isEqualTo("100");
            BigDecimal cost = db.withHandle(h -> h.createQuery("SELECT sum(cost_usd) FROM requests WHERE job_id = :j")
                    .bind("j", job).mapTo(BigDecimal.class).one());
            assertThat(cost).isPositive();
            assertThat(row.findElement(By.cssSelector("td.cost")).getText())
                    .isIn("$" + cost.setScale(4, RoundingMode.HALF_UP), "$" + cost.setScale(4, RoundingMode.HALF_EVEN));

            // the failed job's replay button sends its dead letter again
            WebElement replay = wait.until(ExpectedConditions.elementToBeClickable(
                    By.cssSelector("#jobs button[data-replay-job='" + failing + "']")));
            replay.click();
            await().atMost(Duration.ofSeconds(10)).until(() -> count(
                    "SELECT count(*) FROM dead_letters WHERE job_id = ? AND replayed_at IS NOT NULL", failing) == 1);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(
                    By.cssSelector("[data-replayed='" + failing + "']"), "replayed 1"));
            awaitFinished(failing);

            Path shot = Path.of("target", "dashboard.png");
            Files.createDirectories(shot.getParent());
            Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
            assertThat(shot).isNotEmptyFile();

            // every section's call exists, so any failed load or script error is a fault of the page
            List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                    .toList();
            assertThat(browser.getPageSource()).as("every section has its API call").doesNotContain("not available");
            assertThat(errors).as("errors in the browser's console").isEmpty();
        } finally {
            browser.quit();
        }
    }

    /** Headless Chromium as root on a closed network: no sandbox, no background connections. */
    private static ChromeDriver chromium() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1440,1000",
                "--user-data-dir=" + Files.createTempDirectory("batchpipe-chromium"));
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString()))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
