"""keras.io example "Proximal Policy Optimization" (examples/rl/ppo_cartpole.py), Keras 3.

The example's trajectory ``Buffer`` (GAE-Lambda advantages and rewards-to-go
with ``scipy.signal.lfilter``), the ``mlp`` actor and critic built
functionally (``keras.ops.squeeze`` on a KerasTensor for the critic's output),
``logprobabilities`` with ``keras.ops.log_softmax``/``one_hot``/``sum``, the
PPO-Clip policy loss (``ops.exp``/``where``/``minimum``/``mean``) with KL early
stopping, and the critic's squared-error regression, each trained by an Adam
optimizer. The ``tf.GradientTape`` updates are written the torch way
(``zero_grad``, ``backward``, ``v.value.grad``, ``optimizer.apply`` under
``torch.no_grad()``), as keras.io's torch guides do, and ``@tf.function`` is
dropped. Gym's CartPole is a deterministic numpy stub with CartPole's dynamics;
``keras.random.categorical`` is replaced by inverse-CDF sampling from a seeded
numpy stream (``# harness:``). Tiny sizes.
"""

import numpy as np
import scipy.signal
import torch
import keras
from keras import layers

RESULTS = {}


def discounted_cumulative_sums(x, discount):
    # Discounted cumulative sums of vectors for computing rewards-to-go and advantage estimates
    return scipy.signal.lfilter([1], [1, float(-discount)], x[::-1], axis=0)[::-1]


class Buffer:
    # Buffer for storing trajectories
    def __init__(self, observation_dimensions, size, gamma=0.99, lam=0.95):
        # Buffer initialization
        self.observation_buffer = np.zeros(
            (size, observation_dimensions), dtype=np.float32
        )
        self.action_buffer = np.zeros(size, dtype=np.int32)
        self.advantage_buffer = np.zeros(size, dtype=np.float32)
        self.reward_buffer = np.zeros(size, dtype=np.float32)
        self.return_buffer = np.zeros(size, dtype=np.float32)
        self.value_buffer = np.zeros(size, dtype=np.float32)
        self.logprobability_buffer = np.zeros(size, dtype=np.float32)
        self.gamma, self.lam = gamma, lam
        self.pointer, self.trajectory_start_index = 0, 0

    def store(self, observation, action, reward, value, logprobability):
        # Append one step of agent-environment interaction
        self.observation_buffer[self.pointer] = observation
        self.action_buffer[self.pointer] = action
        self.reward_buffer[self.pointer] = reward
        self.value_buffer[self.pointer] = value
        self.logprobability_buffer[self.pointer] = logprobability
        self.pointer += 1

    def finish_trajectory(self, last_value=0):
        # Finish the trajectory by computing advantage estimates and rewards-to-go
        path_slice = slice(self.trajectory_start_index, self.pointer)
        rewards = np.append(self.reward_buffer[path_slice], last_value)
        values = np.append(self.value_buffer[path_slice], last_value)

        deltas = rewards[:-1] + self.gamma * values[1:] - values[:-1]

        self.advantage_buffer[path_slice] = discounted_cumulative_sums(
            deltas, self.gamma * self.lam
        )
        self.return_buffer[path_slice] = discounted_cumulative_sums(
            rewards, self.gamma
        )[:-1]

        self.trajectory_start_index = self.pointer

    def get(self):
        # Get all data of the buffer and normalize the advantages
        self.pointer, self.trajectory_start_index = 0, 0
        advantage_mean, advantage_std = (
            np.mean(self.advantage_buffer),
            np.std(self.advantage_buffer),
        )
        self.advantage_buffer = (self.advantage_buffer - advantage_mean) / advantage_std
        return (
            self.observation_buffer,
            self.action_buffer,
            self.advantage_buffer,
            self.return_buffer,
            self.logprobability_buffer,
        )


def mlp(x, sizes, activation=keras.activations.tanh, output_activation=None):
    # Build a feedforward neural network
    for size in sizes[:-1]:
        x = layers.Dense(units=size, activation=activation)(x)
    return layers.Dense(units=sizes[-1], activation=output_activation)(x)


def logprobabilities(logits, a):
    # Compute the log-probabilities of taking actions a by using the logits (i.e. the output of the actor)
    logprobabilities_all = keras.ops.log_softmax(logits)
    logprobability = keras.ops.sum(
        keras.ops.one_hot(a, num_actions) * logprobabilities_all, axis=1
    )
    return logprobability


sampler = np.random.RandomState(1337)  # harness: keras.random.categorical -> seeded stream


def sample_action(observation):
    # Sample action from actor
    logits = actor(observation)
    # harness: inverse-CDF sampling from a seeded numpy stream instead of
    # keras.ops.squeeze(keras.random.categorical(logits, 1, seed=seed_generator), axis=1)
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(logits))
    action = keras.ops.convert_to_tensor(
        (sampler.uniform(size=(probs.shape[0], 1)) > np.cumsum(probs, axis=1)[:, :-1]).sum(axis=1))
    return logits, action


def train_policy(
    observation_buffer, action_buffer, logprobability_buffer, advantage_buffer
):
    actor.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
    ratio = keras.ops.exp(
        logprobabilities(actor(observation_buffer), action_buffer)
        - logprobability_buffer
    )
    min_advantage = keras.ops.where(
        advantage_buffer > 0,
        (1 + clip_ratio) * advantage_buffer,
        (1 - clip_ratio) * advantage_buffer,
    )

    policy_loss = -keras.ops.mean(
        keras.ops.minimum(ratio * advantage_buffer, min_advantage)
    )
    policy_loss.backward()
    policy_grads = [v.value.grad for v in actor.trainable_variables]
    with torch.no_grad():
        policy_optimizer.apply(policy_grads, actor.trainable_variables)

    kl = keras.ops.mean(
        logprobability_buffer
        - logprobabilities(actor(observation_buffer), action_buffer)
    )
    kl = keras.ops.sum(kl)
    return kl


def train_value_function(observation_buffer, return_buffer):
    critic.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
    value_loss = keras.ops.mean((return_buffer - critic(observation_buffer)) ** 2)
    value_loss.backward()
    value_grads = [v.value.grad for v in critic.trainable_variables]
    with torch.no_grad():
        value_optimizer.apply(value_grads, critic.trainable_variables)
    return value_loss  # harness: returned for RESULTS


# Hyperparameters of the PPO algorithm
steps_per_epoch = 30  # harness: 4000
epochs = 3  # harness: 30
gamma = 0.99
clip_ratio = 0.2
policy_learning_rate = 3e-4
value_function_learning_rate = 1e-3
train_policy_iterations = 8  # harness: 80
train_value_iterations = 8  # harness: 80
lam = 0.97
target_kl = 0.01
hidden_sizes = (16, 16)  # harness: (64, 64)

# True if you want to render the environment
render = False


class CartPoleStub:  # harness: gym.make("CartPole-v1") stand-in with CartPole's equations
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02

    class observation_space:
        shape = (4,)

    class action_space:
        n = 2

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)

    def reset(self):
        self.state = self.rs.uniform(-0.05, 0.05, size=(4,))
        return self.state.astype("float32"), {}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = np.cos(theta), np.sin(theta)
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        temp = (force + polemass_length * theta_dot**2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x, x_dot = x + self.tau * x_dot, x_dot + self.tau * xacc
        theta, theta_dot = theta + self.tau * theta_dot, theta_dot + self.tau * thetaacc
        self.state = np.array([x, x_dot, theta, theta_dot])
        done = bool(abs(x) > 2.4 or abs(theta) > 12 * 2 * np.pi / 360)
        return self.state.astype("float32"), 1.0, done, False, {}


# Initialize the environment and get the dimensionality of the
# observation space and the number of possible actions
env = CartPoleStub(42)  # harness: gym.make("CartPole-v1")
observation_dimensions = env.observation_space.shape[0]
num_actions = env.action_space.n

# Initialize the buffer
buffer = Buffer(observation_dimensions, steps_per_epoch)

# Initialize the actor and the critic as keras models
observation_input = keras.Input(shape=(observation_dimensions,), dtype="float32")
logits = mlp(observation_input, list(hidden_sizes) + [num_actions])
actor = keras.Model(inputs=observation_input, outputs=logits)
value = keras.ops.squeeze(mlp(observation_input, list(hidden_sizes) + [1]), axis=1)
critic = keras.Model(inputs=observation_input, outputs=value)

rs = np.random.RandomState(1)  # harness: equal initial weights on both sides
for model in (actor, critic):  # harness:
    model.set_weights([rs.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
RESULTS["actor_params"] = actor.count_params()
RESULTS["critic_params"] = critic.count_params()
RESULTS["critic_output_shape"] = str(critic.output.shape)
RESULTS["critic_layers"] = [type(layer).__name__ for layer in critic.layers]

# Initialize the policy and the value function optimizers
policy_optimizer = keras.optimizers.Adam(learning_rate=policy_learning_rate)
value_optimizer = keras.optimizers.Adam(learning_rate=value_function_learning_rate)

# Initialize the observation, episode return and episode length
observation, _ = env.reset()
episode_return, episode_length = 0, 0

epoch_returns, epoch_kls, policy_steps, value_losses, actions_taken = [], [], [], [], []
# Iterate over the number of epochs
for epoch in range(epochs):
    # Initialize the sum of the returns, lengths and number of episodes for each epoch
    sum_return = 0
    sum_length = 0
    num_episodes = 0

    # Iterate over the steps of each epoch
    for t in range(steps_per_epoch):
        if render:
            env.render()

        # Get the logits, action, and take one step in the environment
        observation = observation.reshape(1, -1)
        logits, action = sample_action(observation)
        observation_new, reward, done, _, _ = env.step(keras.ops.convert_to_numpy(action[0]))  # harness: .numpy()
        episode_return += reward
        episode_length += 1
        actions_taken.append(int(keras.ops.convert_to_numpy(action[0])))

        # Get the value and log-probability of the action
        value_t = critic(observation)
        logprobability_t = logprobabilities(logits, action)

        # Store obs, act, rew, v_t, logp_pi_t
        # harness: the torch tensors are detached to numpy (numpy cannot take a tensor
        # that requires grad); the TF version stored the eager tensors directly
        buffer.store(observation, keras.ops.convert_to_numpy(action)[0], reward,
                     keras.ops.convert_to_numpy(value_t)[0],
                     keras.ops.convert_to_numpy(logprobability_t)[0])

        # Update the observation
        observation = observation_new

        # Finish trajectory if reached to a terminal state
        terminal = done
        if terminal or (t == steps_per_epoch - 1):
            last_value = 0 if done else keras.ops.convert_to_numpy(
                critic(observation.reshape(1, -1)))[0]  # harness: to numpy
            buffer.finish_trajectory(last_value)
            sum_return += episode_return
            sum_length += episode_length
            num_episodes += 1
            observation, _ = env.reset()
            episode_return, episode_length = 0, 0

    # Get values from the buffer
    (
        observation_buffer,
        action_buffer,
        advantage_buffer,
        return_buffer,
        logprobability_buffer,
    ) = buffer.get()
    # harness: tf.function converted these numpy arrays to tensors; done explicitly
    # (numpy minus a torch tensor that requires grad fails on torch)
    (observation_buffer, action_buffer, advantage_buffer, return_buffer, logprobability_buffer) = (
        keras.ops.convert_to_tensor(b) for b in (observation_buffer, action_buffer,
                                                 advantage_buffer, return_buffer,
                                                 logprobability_buffer))

    # Update the policy and implement early stopping using KL divergence
    n_policy = 0
    for _ in range(train_policy_iterations):
        kl = train_policy(
            observation_buffer, action_buffer, logprobability_buffer, advantage_buffer
        )
        n_policy += 1
        if kl > 1.5 * target_kl:
            # Early Stopping
            break

    # Update the value function
    for _ in range(train_value_iterations):
        value_loss = train_value_function(observation_buffer, return_buffer)

    epoch_returns.append(sum_return / num_episodes)
    epoch_kls.append(float(keras.ops.convert_to_numpy(kl)))
    policy_steps.append(n_policy)
    value_losses.append(float(keras.ops.convert_to_numpy(value_loss)))

RESULTS["epoch_mean_returns"] = epoch_returns
RESULTS["epoch_kl"] = epoch_kls
RESULTS["policy_steps"] = policy_steps
RESULTS["value_losses"] = value_losses
RESULTS["actions"] = actions_taken
RESULTS["last_advantages"] = keras.ops.convert_to_numpy(advantage_buffer)[:8]
RESULTS["last_returns"] = keras.ops.convert_to_numpy(return_buffer)[:8]
RESULTS["policy_iterations"] = int(policy_optimizer.iterations)
RESULTS["value_iterations"] = int(value_optimizer.iterations)
RESULTS["actor_kernel"] = actor.get_weights()[-2][:, 0]
RESULTS["critic_kernel"] = critic.get_weights()[-2][:, 0]
RTOL = 1e-3
ATOL = 1e-5
