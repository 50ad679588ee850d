"""keras.io guide "Writing a training loop from scratch in PyTorch" (Keras 3, torch).

A Keras functional model trained by a plain torch loop (``torch.optim.Adam``
on ``model.parameters()``, ``torch.nn.CrossEntropyLoss``), then by a loop with
a Keras optimizer (``v.value.grad``, ``optimizer.apply``) and Keras loss,
``CategoricalAccuracy`` metrics with ``update_state``/``result``/
``reset_state`` and a validation loop with ``training=False``, and a loop
adding ``model.losses`` from an ``ActivityRegularizationLayer``. Synthetic
MNIST-shaped data in torch ``DataLoader``s.
"""

import numpy as np
import torch
import keras

RESULTS = {}


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])


def get_model():
    inputs = keras.Input(shape=(784,), name="digits")
    x1 = keras.layers.Dense(64, activation="relu")(inputs)
    x2 = keras.layers.Dense(64, activation="relu")(x1)
    outputs = keras.layers.Dense(10, name="predictions")(x2)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


# Create load up the MNIST dataset and put it in a torch DataLoader
# Prepare the training dataset.
batch_size = 16
rng = np.random.RandomState(0)
x_train = rng.randint(0, 256, size=(80, 28, 28)).astype("uint8")  # synthetic MNIST
y_train = rng.randint(0, 10, size=(80,)).astype("uint8")
x_train = np.reshape(x_train, (-1, 784)).astype("float32") / 255  # harness: /255 keeps Adam tame
y_train = keras.utils.to_categorical(y_train)

# Reserve 10,000 samples for validation.
x_val = x_train[-32:]
y_val = y_train[-32:]
x_train = x_train[:-32]
y_train = y_train[:-32]

# Create TensorDatasets
train_dataset = torch.utils.data.TensorDataset(
    torch.from_numpy(x_train), torch.from_numpy(y_train)
)
val_dataset = torch.utils.data.TensorDataset(
    torch.from_numpy(x_val), torch.from_numpy(y_val)
)

# Create DataLoaders for the Datasets
train_dataloader = torch.utils.data.DataLoader(
    train_dataset, batch_size=batch_size, shuffle=False  # harness: shuffle=False
)
val_dataloader = torch.utils.data.DataLoader(
    val_dataset, batch_size=batch_size, shuffle=False
)

# Instantiate a torch optimizer
model = get_model()
seed_weights(model, 1)  # harness:
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# Instantiate a torch loss function
loss_fn = torch.nn.CrossEntropyLoss()

epochs = 3
torch_losses = []
for epoch in range(epochs):
    for step, (inputs, targets) in enumerate(train_dataloader):
        # Forward pass
        logits = model(inputs)
        loss = loss_fn(logits, targets)

        # Backward pass
        model.zero_grad()
        loss.backward()

        # Optimizer variable updates
        optimizer.step()

        # Log every 100 batches.
        if step % 100 == 0:
            torch_losses.append(loss.detach().numpy())
RESULTS["torch_opt_logged_losses"] = torch_losses
RESULTS["torch_opt_n_parameters"] = len(list(model.parameters()))
RESULTS["torch_opt_weights"] = model.get_weights()[-2][:5, :3]
RESULTS["torch_opt_pred"] = model.predict(x_val[:2], verbose=0)

model = get_model()
seed_weights(model, 2)  # harness:
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)

keras_losses = []
for epoch in range(epochs):
    for step, (inputs, targets) in enumerate(train_dataloader):
        # Forward pass
        logits = model(inputs)
        loss = loss_fn(targets, logits)

        # Backward pass
        model.zero_grad()
        trainable_weights = [v for v in model.trainable_weights]

        # Call torch.Tensor.backward() on the loss to compute gradients
        # for the weights.
        loss.backward()
        gradients = [v.value.grad for v in trainable_weights]

        # Update weights
        with torch.no_grad():
            optimizer.apply(gradients, trainable_weights)

        keras_losses.append(float(loss.detach().numpy()))
RESULTS["keras_opt_losses"] = keras_losses
RESULTS["keras_opt_iterations"] = int(optimizer.iterations)
RESULTS["keras_opt_n_variables"] = len(optimizer.variables)
RESULTS["keras_opt_weights"] = model.get_weights()[-2][:5, :3]

# Get a fresh model
model = get_model()
seed_weights(model, 3)  # harness:

# Instantiate an optimizer to train the model.
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
# Instantiate a loss function.
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)

# Prepare the metrics.
train_acc_metric = keras.metrics.CategoricalAccuracy()
val_acc_metric = keras.metrics.CategoricalAccuracy()

train_accs, val_accs = [], []
for epoch in range(epochs):
    for step, (inputs, targets) in enumerate(train_dataloader):
        # Forward pass
        logits = model(inputs)
        loss = loss_fn(targets, logits)

        # Backward pass
        model.zero_grad()
        trainable_weights = [v for v in model.trainable_weights]

        # Call torch.Tensor.backward() on the loss to compute gradients
        # for the weights.
        loss.backward()
        gradients = [v.value.grad for v in trainable_weights]

        # Update weights
        with torch.no_grad():
            optimizer.apply(gradients, trainable_weights)

        # Update training metric.
        train_acc_metric.update_state(targets, logits)

    # Display metrics at the end of each epoch.
    train_acc = train_acc_metric.result()
    train_accs.append(float(train_acc))

    # Reset training metrics at the end of each epoch
    train_acc_metric.reset_state()

    # Run a validation loop at the end of each epoch.
    for x_batch_val, y_batch_val in val_dataloader:
        val_logits = model(x_batch_val, training=False)
        # Update val metrics
        val_acc_metric.update_state(y_batch_val, val_logits)
    val_acc = val_acc_metric.result()
    val_accs.append(float(val_acc))
    val_acc_metric.reset_state()
RESULTS["metrics_train_acc"] = train_accs
RESULTS["metrics_val_acc"] = val_accs
RESULTS["metrics_after_reset"] = float(val_acc_metric.result())
RESULTS["metrics_variables"] = [v.name for v in train_acc_metric.variables]


class ActivityRegularizationLayer(keras.layers.Layer):
    def call(self, inputs):
        self.add_loss(1e-2 * torch.sum(inputs))
        return inputs


inputs = keras.Input(shape=(784,), name="digits")
x = keras.layers.Dense(64, activation="relu")(inputs)
# Insert activity regularization as a layer
x = ActivityRegularizationLayer()(x)
x = keras.layers.Dense(64, activation="relu")(x)
outputs = keras.layers.Dense(10, name="predictions")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
seed_weights(model, 4)  # harness:

# Get a fresh model
# model = get_model()  # harness: (the guide's next listing trains the model just built)

# Instantiate an optimizer to train the model.
optimizer = keras.optimizers.Adam(learning_rate=1e-3)
# Instantiate a loss function.
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)

# Prepare the metrics.
train_acc_metric = keras.metrics.CategoricalAccuracy()
val_acc_metric = keras.metrics.CategoricalAccuracy()

reg_losses, n_model_losses = [], []
for epoch in range(epochs):
    for step, (inputs, targets) in enumerate(train_dataloader):
        # Forward pass
        logits = model(inputs)
        loss = loss_fn(targets, logits)
        if model.losses:
            loss = loss + torch.sum(*model.losses)
        n_model_losses.append(len(model.losses))

        # Backward pass
        model.zero_grad()
        trainable_weights = [v for v in model.trainable_weights]

        # Call torch.Tensor.backward() on the loss to compute gradients
        # for the weights.
        loss.backward()
        gradients = [v.value.grad for v in trainable_weights]

        # Update weights
        with torch.no_grad():
            optimizer.apply(gradients, trainable_weights)

        # Update training metric.
        train_acc_metric.update_state(targets, logits)
        reg_losses.append(float(loss.detach().numpy()))

    # Display metrics at the end of each epoch.
    train_acc = train_acc_metric.result()
    train_acc_metric.reset_state()

    # Run a validation loop at the end of each epoch.
    for x_batch_val, y_batch_val in val_dataloader:
        val_logits = model(x_batch_val, training=False)
        # Update val metrics
        val_acc_metric.update_state(y_batch_val, val_logits)
    val_acc = val_acc_metric.result()
    val_acc_metric.reset_state()
RESULTS["addloss_losses"] = reg_losses
RESULTS["addloss_n_model_losses"] = n_model_losses
RESULTS["addloss_last_val_acc"] = float(val_acc)
RTOL = 5e-4
