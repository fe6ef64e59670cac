// The default credential chain: environment keys, then ECS container credentials, then the
// shared credentials file, the first one configured wins (decided once, at start-up).
import Foundation

public enum CredentialChain {
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any CredentialProvider {
        if let provider = EnvironmentCredentialProvider(environment: environment) { return provider }
        if let provider = try ContainerCredentialProvider(environment: environment) { return provider }
        if let provider = SharedCredentialsFileProvider(environment: environment) { return provider }
        throw CredentialsError(
            "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run on ECS with a task role "
                + "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), or provide ~/.aws/credentials")
    }
}
