package dev.switchboard.server;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.webjars.WebJarVersionLocator;

/**
 * The dashboard at {@code /dashboard/}: a static page (HTML, CSS and JavaScript modules, no build
 * step) that reads the request logs and analytics through the gateway's own API, and the chart
 * library it draws with, Chart.js, served from its WebJar under {@code
 * /dashboard/vendor/chart.js/}. Everything comes from the jar: the page works on a closed network,
 * and its policy forbids loading anything from another origin.
 *
 * <p>Jetty's {@link ResourceHandler} serves the files (content types, {@code ETag}s, {@code 304}s,
 * {@code HEAD}), with directory listings off; a path that names no file is not found (404).
 */
final class DashboardRoutes extends ContextHandlerCollection {
  static final String PATH = "/dashboard";

  /**
   * Scripts and styles only from the gateway itself; data only from its API; never framed. Chart.js
   * sets sizes on its canvases through the CSSOM, which {@code style-src 'self'} allows.
   */
  private static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  DashboardRoutes() {
    ResourceFactory resources = ResourceFactory.of(this);
    addHandler(staticFiles(PATH, ClasspathFolder.holding(resources, "dashboard/index.html")));
    String chartJs = new WebJarVersionLocator().fullPath("chart.js", "dist/chart.umd.js");
    if (chartJs == null) {
      throw new IllegalStateException("Chart.js's WebJar is missing from the classpath");
    }
    addHandler(staticFiles(PATH + "/vendor/chart.js", ClasspathFolder.holding(resources, chartJs)));
  }

  /** Serves the file {@code match} names, or answers 404. */
  void serve(Route.Match match, Request request, Response response, Callback callback)
      throws Exception {
    if (!handle(request, response, callback)) {
      LogsRoutes.writeError(
          response, callback, RouteGate.notFound(request.getMethod(), match.path()));
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put("Referrer-Policy", "no-referrer");
    // The page is small and changes with the gateway: revalidated on each load (ETag, 304).
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    return super.handle(request, response, callback);
  }

  /**
   * A folder of the classpath whose files are read into memory one at a time as they are asked for.
   * Jetty's own classpath resources mount the jar that holds them as a zip file system, which
   * indexes every entry of it: for the shipped jar, about 16 MB of an idle gateway's heap to serve
   * eleven small files (docs/benchmarks.md, "Idle memory").
   */
  private static final class ClasspathFolder extends Resource {
    private final ResourceFactory resources;
    private final String folder;

    private ClasspathFolder(ResourceFactory resources, String folder) {
      this.resources = resources;
      this.folder = folder;
    }

    /**
     * The folder holding a file of the classpath. Found through the file because a jar need not
     * list its folders (the WebJar's {@code dist/} has no entry of its own).
     */
    static ClasspathFolder holding(ResourceFactory resources, String classpathFile) {
      if (loader().getResource(classpathFile) == null) {
        throw new IllegalStateException(classpathFile + " is missing from the classpath");
      }
      return new ClasspathFolder(
          resources, classpathFile.substring(0, classpathFile.lastIndexOf('/') + 1));
    }

    private static ClassLoader loader() {
      return DashboardRoutes.class.getClassLoader();
    }

    /** The file at {@code subPath}, or null (not found) for a folder, a missing file or "..". */
    @Override
    public Resource resolve(String subPath) {
      String path = subPath.startsWith("/") ? subPath.substring(1) : subPath;
      if (path.isEmpty()) {
        return this;
      }
      if (path.endsWith("/")
          || path.contains("\\")
          || Arrays.asList(path.split("/")).contains("..")) {
        return null;
      }
      URL file = loader().getResource(folder + path);
      return file == null ? null : resources.newMemoryResource(file);
    }

    @Override
    public Path getPath() {
      return null;
    }

    @Override
    public boolean isDirectory() {
      return true;
    }

    @Override
    public boolean isReadable() {
      return true;
    }

    @Override
    public boolean exists() {
      return true;
    }

    @Override
    public URI getURI() {
      return URI.create("classpath:/" + folder);
    }

    @Override
    public String getName() {
      return folder;
    }

    @Override
    public String getFileName() {
      return "";
    }
  }

  private static ContextHandler staticFiles(String contextPath, Resource base) {
    ResourceHandler files = new ResourceHandler();
    files.setBaseResource(base);
    files.setDirAllowed(false);
    files.setWelcomeFiles("index.html");
    files.setEtags(true);
    ContextHandler context = new ContextHandler(files, contextPath);
    context.setAllowNullPathInContext(false);
    return context;
  }
}
