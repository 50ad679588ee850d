"""keras.io guide "Multi-GPU distributed training with PyTorch" (Keras 3), one process on CPU.

A functional Keras convnet (``Rescaling``, ``Conv2D`` without bias,
``BatchNormalization(scale=False)``, ``ReLU``, ``Dropout``) trained as a torch
module: ``torch.optim.Adam(model.parameters())``, ``torch.nn.CrossEntropyLoss``,
a ``DataLoader`` over a ``TensorDataset`` with a ``DistributedSampler``
(``num_replicas=1, rank=0``), ``optimizer.zero_grad()/loss.backward()/step()``.
The process group, ``DistributedDataParallel`` and the multi-process start
need several GPUs and are left out (``# harness:``); ``.cuda()`` becomes CPU.
Synthetic MNIST-shaped data.
"""

import os

os.environ["KERAS_BACKEND"] = "torch"

import torch
import numpy as np
import keras

RESULTS = {}


def get_model():
    # Make a simple convnet with batch normalization and dropout.
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Rescaling(1.0 / 255.0)(inputs)
    x = keras.layers.Conv2D(filters=12, kernel_size=3, padding="same", use_bias=False)(
        x
    )
    x = keras.layers.BatchNormalization(scale=False, center=True)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(
        filters=24,
        kernel_size=6,
        use_bias=False,
        strides=2,
    )(x)
    x = keras.layers.BatchNormalization(scale=False, center=True)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Conv2D(
        filters=32,
        kernel_size=6,
        padding="same",
        strides=2,
        name="large_k",
    )(x)
    x = keras.layers.BatchNormalization(scale=False, center=True)(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(10)(x)
    model = keras.Model(inputs, outputs)
    return model


def get_dataset():
    # Load the data and split it between train and test sets
    # harness: synthetic digits of MNIST's dtypes; labels int64 for CrossEntropyLoss
    rng = np.random.RandomState(0)
    x_train = rng.randint(0, 256, size=(48, 28, 28)).astype("uint8")
    y_train = rng.randint(0, 10, size=(48,)).astype("int64")

    # Scale images to the [0, 1] range
    x_train = x_train.astype("float32")
    # Make sure images have shape (28, 28, 1)
    x_train = np.expand_dims(x_train, -1)
    print("x_train shape:", x_train.shape)

    # Create a TensorDataset
    dataset = torch.utils.data.TensorDataset(
        torch.from_numpy(x_train), torch.from_numpy(y_train)
    )
    return dataset


epoch_losses = []  # harness: recorded


def train_model(model, dataloader, num_epochs, optimizer, loss_fn):
    for epoch in range(num_epochs):
        running_loss = 0.0
        running_loss_count = 0
        for batch_idx, (inputs, targets) in enumerate(dataloader):
            inputs = inputs.to("cpu", non_blocking=True)  # harness: .cuda(non_blocking=True)
            targets = targets.to("cpu", non_blocking=True)  # harness:

            # Forward pass
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)

            # Backward and optimize
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

            running_loss += loss.item()
            running_loss_count += 1

        # Print loss statistics
        print(
            f"Epoch {epoch + 1}/{num_epochs}, "
            f"Loss: {running_loss / running_loss_count}"
        )
        epoch_losses.append(running_loss / running_loss_count)  # harness:


# Config
num_gpu = 1  # harness: torch.cuda.device_count()
num_epochs = 2
batch_size = 16  # harness: 64
print(f"Running on {num_gpu} GPUs")


def prepare_dataloader(dataset, current_gpu_index, num_gpus, batch_size):
    sampler = torch.utils.data.distributed.DistributedSampler(
        dataset,
        num_replicas=num_gpus,
        rank=current_gpu_index,
        shuffle=False,
    )
    dataloader = torch.utils.data.DataLoader(
        dataset,
        sampler=sampler,
        batch_size=batch_size,
        shuffle=False,
    )
    return dataloader


def per_device_launch_fn(current_gpu_index, num_gpu):
    # harness: setup_device (init_process_group with nccl) left out: one CPU process

    dataset = get_dataset()
    model = get_model()
    # harness: equal initial weights in both libraries
    seeded = np.random.RandomState(1)
    model.set_weights([seeded.normal(0, 0.1, w.shape).astype("float32") if "variance" not in w.path
                       else np.ones(w.shape, "float32") for w in model.weights])

    # prepare the dataloader
    dataloader = prepare_dataloader(dataset, current_gpu_index, num_gpu, batch_size)

    # Instantiate the torch optimizer
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    # Instantiate the torch loss function
    loss_fn = torch.nn.CrossEntropyLoss()

    # Put model on device
    model = model.to("cpu")  # harness: model.to(current_gpu_index)
    # harness: DistributedDataParallel(model, ...) needs a process group; the model is used as is

    train_model(model, dataloader, num_epochs, optimizer, loss_fn)

    # harness: what the trained model looks like afterwards
    # harness: len(list(model.parameters())) not compared: Keras 3's Dropout owns a
    # SeedGenerator whose int32 state is a torch parameter too (18 against keraton's 17,
    # whose dropout draws from torch's generator, documented); the trainable ones agree.
    RESULTS["n_trainable_parameters"] = len([p for p in model.parameters() if p.requires_grad])
    RESULTS["trainable_count"] = int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    RESULTS["count_params"] = model.count_params()
    RESULTS["bn_moving_mean"] = model.layers[3].moving_mean.numpy()[:4]
    RESULTS["bn_beta"] = keras.ops.convert_to_numpy(model.layers[3].beta)[:4]
    RESULTS["large_k_kernel"] = keras.ops.convert_to_numpy(model.get_layer("large_k").kernel)[0, 0, :3, 0]
    x = dataset.tensors[0][:4]
    RESULTS["predict"] = model.predict(x.numpy(), verbose=0)
    with torch.no_grad():
        RESULTS["direct_call"] = keras.ops.convert_to_numpy(model(x))


per_device_launch_fn(0, num_gpu)  # harness: torch.multiprocessing.start_processes(...)
RESULTS["epoch_losses"] = epoch_losses
RTOL = 1e-3
ATOL = 1e-4
