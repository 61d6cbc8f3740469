package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fake as a process of its own, as the load benchmark runs it. */
class FakeOpenAiMainTest {

  @Test
  void printsWhereItListensAndServesUntilKilled() throws Exception {
    Process process = start("--port", "0");
    try {
      String baseUrl = baseUrlPrinted(process);

      assertThat(get(baseUrl + "/models", null).statusCode()).isEqualTo(200);
      assertThat(process.isAlive()).isTrue();
    } finally {
      stop(process);
    }
  }

  @Test
  void answersEveryRequestWithTheErrorItIsToldToFailWithAfterCheckingTheKey() throws Exception {
    Process process = start("--require-api-key", "sk-right", "--fail-with", "429");
    try {
      String baseUrl = baseUrlPrinted(process);

      assertThat(get(baseUrl + "/models", "sk-wrong").statusCode()).isEqualTo(401);
      assertThat(get(baseUrl + "/models", "sk-right").statusCode()).isEqualTo(429);
      assertThat(get(baseUrl + "/models", "sk-right").statusCode()).isEqualTo(429);
    } finally {
      stop(process);
    }
  }

  @Test
  void endsEveryStreamWithAnInBandErrorWhenToldTo() throws Exception {
    Process process = start("--stream-error-after", "2");
    try {
      String baseUrl = baseUrlPrinted(process);
      var response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
                      .header("content-type", "application/json")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                                  + "\"messages\":[{\"role\":\"user\",\"content\":\"a b c\"}]}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      List<String> events = RawHttp.dataEvents(response.body());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(events).hasSize(3);
      assertThat(events.getLast()).contains("\"error\"").contains("server_error");
    } finally {
      stop(process);
    }
  }

  private static Process start(String... args) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            java.toString(),
            "-cp",
            System.getProperty("java.class.path"),
            FakeOpenAiMain.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static String baseUrlPrinted(Process process) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).matches("fake-openai listening on http://127\\.0\\.0\\.1:[0-9]+/v1");
    return line.substring("fake-openai listening on ".length());
  }

  private static HttpResponse<String> get(String url, String apiKey) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (apiKey != null) {
      request.header("authorization", "Bearer " + apiKey);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }
}
