package dev.batchpipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Validates YAML DSL route files against the JSON schema shipped inside camel-yaml-dsl, as the Camel validator
 * plugin does. Runs in the build (exec-maven-plugin, process-test-classes) and from {@code RoutesTest}.
 */
public final class RouteSchemaValidator {

    private final JsonSchema schema;
    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    public RouteSchemaValidator() throws IOException {
        try (InputStream in = org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader.class.getClassLoader()
                .getResourceAsStream("schema/camelYamlDsl.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/camelYamlDsl.json not found in camel-yaml-dsl");
            }
            JsonNode node = new ObjectMapper().readTree(in);
            // the Camel schema annotates options with "deprecated", which draft-04 does not define
            JsonMetaSchema meta = JsonMetaSchema.builder(JsonMetaSchema.getV4())
                    .keyword(new NonValidationKeyword("deprecated")).build();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4, b -> b.metaSchema(meta)).getSchema(node);
        }
    }

    /** Problems of one file, each as "file: path: message"; empty when valid. */
    public List<String> validate(Path file) throws IOException {
        List<String> problems = new ArrayList<>();
        JsonNode routes = yaml.readTree(file.toFile());
        Set<ValidationMessage> messages = schema.validate(routes);
        for (ValidationMessage m : messages) {
            problems.add(file.getFileName() + ": " + m.getMessage());
        }
        return problems;
    }

    public List<String> validateDirectory(Path dir) throws IOException {
        List<String> problems = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().toList()) {
                problems.addAll(validate(f));
            }
        }
        return problems;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "routes");
        List<String> problems = new RouteSchemaValidator().validateDirectory(dir);
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("[routes] " + p));
            throw new IllegalStateException(problems.size() + " problem(s) in the YAML routes of " + dir);
        }
        System.out.println("[routes] YAML routes in " + dir + " are valid");
    }
}
