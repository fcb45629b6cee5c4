// Deletes committed offsets of an empty group with Kafka's own AdminClient
// (confluent-kafka 2.16 does not expose DeleteConsumerGroupOffsets).
// Usage: java -cp '<kafka jars>/*' DeleteOffsets.java BOOTSTRAP GROUP TOPIC PARTITION...
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;

public class DeleteOffsets {
    public static void main(String[] args) throws Exception {
        Set<TopicPartition> partitions = new HashSet<>();
        for (int i = 3; i < args.length; i++) {
            partitions.add(new TopicPartition(args[2], Integer.parseInt(args[i])));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]))) {
            admin.deleteConsumerGroupOffsets(args[1], partitions).all().get(30, TimeUnit.SECONDS);
        }
        System.out.println("deleted");
    }
}
