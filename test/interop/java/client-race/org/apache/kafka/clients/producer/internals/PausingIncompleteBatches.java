package org.apache.kafka.clients.producer.internals;

// Test-only: widens a window in the Java client's Sender (kafka-clients 4.3.1). In
// Sender.maybeSendAndPollTransactionalRequest the network thread reads accumulator.hasIncomplete()
// and only then enters TransactionManager.nextRequest(...), which sends a queued EndTxn when that
// value was false. If the application begins a transaction, sends and calls commitTransaction()
// in between, the EndTxn goes out before the records: under transaction version 2 (no client-side
// AddPartitionsToTxn to queue ahead of it) the coordinator then sees a commit of a transaction
// nothing was added to and answers INVALID_TXN_STATE, on Apache Kafka as on Bunka. The thread
// pauses 200 ms whenever it finds no incomplete batch while no transaction is open, so the
// interleaving that happens now and then on a loaded machine happens every time.
public class PausingIncompleteBatches extends IncompleteBatches {
    public volatile TransactionManager transactionManager;
    public volatile int pauses;

    @Override
    public boolean isEmpty() {
        boolean empty = super.isEmpty();
        if (empty && transactionManager != null && transactionManager.isReady()
                && Thread.currentThread().getName().startsWith("kafka-producer-network-thread")) {
            pauses++;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return empty;
    }
}
