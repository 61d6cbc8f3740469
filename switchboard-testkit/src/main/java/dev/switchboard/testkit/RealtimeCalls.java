package dev.switchboard.testkit;

import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /v1/realtime/calls}, how a WebRTC client starts a Realtime API session
 * (https://platform.openai.com/docs/guides/realtime-webrtc): the body is the client's SDP offer
 * ({@code Content-Type: application/sdp}); the answer is {@code 201 Created}, the server's SDP
 * answer as {@code application/sdp}, and the call's URL in {@code Location}. The SDP answer is a
 * fixed, minimal one: no media is ever exchanged with the fake.
 */
final class RealtimeCalls {
  private RealtimeCalls() {}

  static Reply answer(RecordedRequest request) {
    String contentType = String.valueOf(request.header("content-type"));
    if (!contentType.toLowerCase(Locale.ROOT).startsWith("application/sdp")) {
      throw ApiError.invalidRequest(
              "Invalid Content-Type header (" + contentType + "), expected application/sdp.",
              null,
              null)
          .rejection();
    }
    if (request.body() == null || !request.body().startsWith("v=0")) {
      throw ApiError.invalidRequest("The SDP offer is not valid.", null, null).rejection();
    }
    String callId = OpenAiIds.realtimeCall();
    String sdp =
        "v=0\r\n"
            + "o=- 0 0 IN IP4 127.0.0.1\r\n"
            + "s=-\r\n"
            + "t=0 0\r\n"
            + "a=group:BUNDLE 0\r\n"
            + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
            + "c=IN IP4 0.0.0.0\r\n"
            + "a=mid:0\r\n"
            + "a=rtpmap:111 opus/48000/2\r\n";
    return new Reply.Text(
        201, "application/sdp", sdp, Map.of("location", "/v1/realtime/calls/" + callId));
  }
}
