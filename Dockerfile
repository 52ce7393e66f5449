# Build: the same command a developer runs.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY . .
RUN mvn -q -B -DskipTests package

# Run: the jar alone; routes, migrations and tasks are inside it.
FROM eclipse-temurin:17-jre
RUN useradd --system --home /app batchpipe && mkdir -p /app/data /app/inbox && chown -R batchpipe /app
WORKDIR /app
COPY --from=build /src/target/batchpipe.jar /app/batchpipe.jar
USER batchpipe
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/app/batchpipe.jar"]
CMD ["run"]
