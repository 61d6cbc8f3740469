package dev.switchboard.testkit;

import static dev.switchboard.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.NotFoundException;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.Embedding;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import com.openai.models.moderations.ModerationCreateParams;
import com.openai.models.moderations.ModerationCreateResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Embeddings, legacy completions, models, moderations and unknown paths. */
class OtherEndpointsTest {
  FakeOpenAi fake;
  OpenAIClient openai;
  RawHttp http;

  @BeforeEach
  void start() {
    fake = FakeOpenAi.start();
    openai =
        OpenAIOkHttpClient.builder()
            .baseUrl(fake.baseUrl())
            .apiKey("test")
            .maxRetries(0)
            .responseValidation(true)
            .build();
    http = new RawHttp(fake);
  }

  @AfterEach
  void stop() {
    openai.close();
    fake.close();
  }

  private CreateEmbeddingResponse embed(
      EmbeddingCreateParams.Builder params, EmbeddingCreateParams.EncodingFormat format) {
    return openai
        .embeddings()
        .create(params.model("text-embedding-3-small").encodingFormat(format).build());
  }

  @Test
  void embedsAsFloatsAndAsBase64OfTheSameLittleEndianFloats() throws Exception {
    var floats =
        embed(
            EmbeddingCreateParams.builder().input("hello world"),
            EmbeddingCreateParams.EncodingFormat.FLOAT);
    var base64 =
        embed(
            EmbeddingCreateParams.builder().input("hello world"),
            EmbeddingCreateParams.EncodingFormat.BASE64);

    List<Float> vector = floats.data().getFirst().embedding();
    assertThat(vector).hasSize(8);
    assertThat(base64.data().getFirst().embedding()).isEqualTo(vector);
    assertThat(floats.usage().promptTokens()).isEqualTo(2);
    assertThat(floats.usage().totalTokens()).isEqualTo(2);
    assertThat(floats.model()).isEqualTo("text-embedding-3-small");
    fake.takeRequest(Duration.ofSeconds(1));
    assertThat(fake.takeRequest(Duration.ofSeconds(1)).json().path("encoding_format").asText())
        .isEqualTo("base64");
  }

  @Test
  void aBase64EmbeddingIsAStringOfLittleEndianFloat32() throws Exception {
    String request =
        "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\",\"dimensions\":3,\"encoding_format\":";
    JsonNode floats =
        json(http.post("/v1/embeddings", request + "\"float\"}")).at("/data/0/embedding");
    JsonNode base64 =
        json(http.post("/v1/embeddings", request + "\"base64\"}")).at("/data/0/embedding");

    assertThat(base64.isTextual()).isTrue();
    ByteBuffer bytes =
        ByteBuffer.wrap(Base64.getDecoder().decode(base64.asText())).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes.remaining()).isEqualTo(3 * Float.BYTES);
    for (JsonNode value : floats) {
      assertThat(bytes.getFloat()).isEqualTo(value.floatValue());
    }
  }

  @Test
  void embeddingsAreUnitVectorsDeterminedByTheInputAlone() {
    var response =
        embed(
            EmbeddingCreateParams.builder()
                .inputOfArrayOfStrings(List.of("alpha", "beta", "alpha"))
                .dimensions(64),
            EmbeddingCreateParams.EncodingFormat.FLOAT);

    List<Embedding> data = response.data();
    assertThat(data).extracting(Embedding::index).containsExactly(0L, 1L, 2L);
    assertThat(data.get(0).embedding()).hasSize(64).isEqualTo(data.get(2).embedding());
    assertThat(data.get(0).embedding()).isNotEqualTo(data.get(1).embedding());
    double squares = data.get(1).embedding().stream().mapToDouble(v -> v * v).sum();
    assertThat(squares).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
  }

  @Test
  void tokenArraysCountTheirTokens() {
    var response =
        embed(
            EmbeddingCreateParams.builder()
                .inputOfArrayOfTokenArrays(List.of(List.of(1L, 2L, 3L), List.of(4L))),
            EmbeddingCreateParams.EncodingFormat.FLOAT);

    assertThat(response.data()).hasSize(2);
    assertThat(response.usage().promptTokens()).isEqualTo(4);
  }

  @Test
  void embeddingsHaveTheKeysAndKindsOfValuesOfOpenAisDocumentedExample() throws Exception {
    var response =
        http.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}");

    JsonShape.assertSameShape(Fixtures.json("embeddings.json"), json(response));
  }

  @Test
  void refusesEmbeddingsWithoutInputOrWithTooFewDimensions() throws Exception {
    var noInput = http.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\"}");
    var noDimensions =
        http.post(
            "/v1/embeddings",
            "{\"model\":\"text-embedding-3-small\",\"input\":\"x\",\"dimensions\":-1}");

    assertThat(noInput.statusCode()).isEqualTo(400);
    assertThat(json(noInput).at("/error/param").asText()).isEqualTo("input");
    assertThat(noDimensions.statusCode()).isEqualTo(400);
    assertThat(json(noDimensions).at("/error/message").asText())
        .isEqualTo("-1 is less than the minimum of 1 - 'dimensions'");
  }

  @Test
  void aLegacyCompletionSaysWhatItWasPromptedPerPrompt() {
    Completion completion =
        openai
            .completions()
            .create(
                CompletionCreateParams.builder()
                    .model(CompletionCreateParams.Model.GPT_3_5_TURBO_INSTRUCT)
                    .promptOfArrayOfStrings(List.of("Say hi", "Say bye"))
                    .build());

    assertThat(completion.choices())
        .extracting(CompletionChoice::text)
        .containsExactly(
            "Hello from the fake OpenAI. You said: Say hi",
            "Hello from the fake OpenAI. You said: Say bye");
    assertThat(completion.choices()).extracting(CompletionChoice::index).containsExactly(0L, 1L);
    assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(4);
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(18);
  }

  @Test
  void aLegacyCompletionStopsAtMaxTokensSixteenByDefault() throws Exception {
    JsonNode choice =
        json(http.post(
                "/v1/completions",
                "{\"model\":\"gpt-3.5-turbo-instruct\","
                    + "\"prompt\":\"one two three four five six seven eight nine ten\"}"))
            .at("/choices/0");

    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    assertThat(choice.path("text").asText())
        .isEqualTo(
            "Hello from the fake OpenAI. You said: one two three four five six seven eight nine ");
  }

  @Test
  void aLegacyCompletionHasTheKeysAndKindsOfValuesOfOpenAisDocumentedExample() throws Exception {
    var response =
        http.post("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Hi\"}");

    JsonShape.assertSameShape(Fixtures.json("completion.json"), json(response));
  }

  @Test
  void listsAndRetrievesModels() throws Exception {
    List<Model> models = openai.models().list().data();
    Model gpt4o = openai.models().retrieve("gpt-4o");

    assertThat(models)
        .extracting(Model::id)
        .contains("gpt-4o-mini", "gpt-4o", "text-embedding-3-small");
    assertThat(gpt4o.id()).isEqualTo("gpt-4o");
    assertThat(gpt4o.ownedBy()).isEqualTo("system");
    JsonShape.assertSameShape(Fixtures.json("models.json"), json(http.get("/v1/models")));
  }

  @Test
  void anUnknownModelIsNotFound() throws Exception {
    assertThatThrownBy(() -> openai.models().retrieve("gpt-9"))
        .isInstanceOfSatisfying(
            NotFoundException.class, e -> assertThat(e.code()).hasValue("model_not_found"));
    JsonNode error = json(http.get("/v1/models/gpt-9")).get("error");
    assertThat(error.path("message").asText()).isEqualTo("The model 'gpt-9' does not exist");
  }

  @Test
  void moderatesWithoutFlaggingAnything() {
    ModerationCreateResponse response =
        openai
            .moderations()
            .create(
                ModerationCreateParams.builder().inputOfStrings(List.of("hello", "world")).build());

    assertThat(response.results()).hasSize(2);
    assertThat(response.results()).allSatisfy(r -> assertThat(r.flagged()).isFalse());
    assertThat(response.id()).startsWith("modr-");
  }

  @Test
  void anUnknownPathIsOpenAisInvalidUrl() throws Exception {
    var response = http.post("/v1/whatever?x=1", "{}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response))
        .isEqualTo(
            json(
                "{\"error\":{\"message\":\"Invalid URL (POST /v1/whatever)\","
                    + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));
  }

  @Test
  void aKnownPathWithTheWrongMethodIsAnInvalidMethod() throws Exception {
    var response = http.get("/v1/chat/completions");

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(json(response).at("/error/message").asText())
        .isEqualTo("Invalid method for URL (GET /v1/chat/completions)");
  }
}
