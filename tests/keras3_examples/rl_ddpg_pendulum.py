"""keras.io example "Deep Deterministic Policy Gradient (DDPG)" (examples/rl/ddpg_pendulum.py).

The example's ``OUActionNoise``, replay ``Buffer`` (numpy arrays, ``record``,
``learn`` with ``keras.ops.convert_to_tensor``/``cast``), actor (a ``tanh``
``Dense`` with a ``RandomUniform`` initializer, output scaled by
``upper_bound`` on the symbolic tensor) and two-input critic
(``Concatenate``), ``update_target`` through ``get_weights``/``set_weights``,
the ``policy`` function, and ``save_weights``. The two ``tf.GradientTape``
updates in ``Buffer.update`` are written the torch way (``zero_grad``,
``backward``, ``v.value.grad``, ``optimizer.apply`` under
``torch.no_grad()``). Gym's Pendulum is a deterministic numpy stub with
Pendulum's dynamics; ``np.random`` calls use seeded streams (``# harness:``).
"""

import numpy as np
import torch
import keras
from keras import layers

RESULTS = {}


class PendulumStub:  # harness: gym.make("Pendulum-v1") stand-in with Pendulum's equations
    max_speed, max_torque, dt, g, m, length = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0

    def __init__(self, seed):
        self.rs = np.random.RandomState(seed)

    def reset(self):
        self.state = self.rs.uniform([-np.pi, -1.0], [np.pi, 1.0])
        return self._obs(), {}

    def _obs(self):
        th, thdot = self.state
        return np.array([np.cos(th), np.sin(th), thdot], dtype="float32")

    def step(self, u):
        th, thdot = self.state
        u = float(np.clip(u, -self.max_torque, self.max_torque)[0])
        angle = ((th + np.pi) % (2 * np.pi)) - np.pi
        costs = angle**2 + 0.1 * thdot**2 + 0.001 * u**2
        newthdot = thdot + (3 * self.g / (2 * self.length) * np.sin(th) + 3.0 / (self.m * self.length**2) * u) * self.dt
        newthdot = np.clip(newthdot, -self.max_speed, self.max_speed)
        self.state = np.array([th + newthdot * self.dt, newthdot])
        return self._obs(), -costs, False, False, {}


env = PendulumStub(0)  # harness:
noise_rs = np.random.RandomState(1)  # harness: np.random.normal / np.random.choice streams
batch_rs = np.random.RandomState(2)  # harness:

num_states = 3
print("Size of State Space ->  {}".format(num_states))
num_actions = 1
print("Size of Action Space ->  {}".format(num_actions))

upper_bound = 2.0
lower_bound = -2.0


class OUActionNoise:
    def __init__(self, mean, std_deviation, theta=0.15, dt=1e-2, x_initial=None):
        self.theta = theta
        self.mean = mean
        self.std_dev = std_deviation
        self.dt = dt
        self.x_initial = x_initial
        self.reset()

    def __call__(self):
        # Formula taken from https://www.wikipedia.org/wiki/Ornstein-Uhlenbeck_process
        x = (
            self.x_prev
            + self.theta * (self.mean - self.x_prev) * self.dt
            + self.std_dev * np.sqrt(self.dt) * noise_rs.normal(size=self.mean.shape)  # harness:
        )
        # Store x into x_prev
        # Makes next noise dependent on current one
        self.x_prev = x
        return x

    def reset(self):
        if self.x_initial is not None:
            self.x_prev = self.x_initial
        else:
            self.x_prev = np.zeros_like(self.mean)


class Buffer:
    def __init__(self, buffer_capacity=100000, batch_size=64):
        # Number of "experiences" to store at max
        self.buffer_capacity = buffer_capacity
        # Num of tuples to train on.
        self.batch_size = batch_size

        # Its tells us num of times record() was called.
        self.buffer_counter = 0

        # Instead of list of tuples as the exp.replay concept go
        # We use different np.arrays for each tuple element
        self.state_buffer = np.zeros((self.buffer_capacity, num_states))
        self.action_buffer = np.zeros((self.buffer_capacity, num_actions))
        self.reward_buffer = np.zeros((self.buffer_capacity, 1))
        self.next_state_buffer = np.zeros((self.buffer_capacity, num_states))

    # Takes (s,a,r,s') observation tuple as input
    def record(self, obs_tuple):
        # Set index to zero if buffer_capacity is exceeded,
        # replacing old records
        index = self.buffer_counter % self.buffer_capacity

        self.state_buffer[index] = obs_tuple[0]
        self.action_buffer[index] = obs_tuple[1]
        self.reward_buffer[index] = obs_tuple[2]
        self.next_state_buffer[index] = obs_tuple[3]

        self.buffer_counter += 1

    def update(self, state_batch, action_batch, reward_batch, next_state_batch):
        # Training and updating Actor & Critic networks.
        # See Pseudo Code.
        critic_model.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
        target_actions = target_actor(next_state_batch, training=True)
        y = reward_batch + gamma * target_critic([next_state_batch, target_actions], training=True)
        critic_value = critic_model([state_batch, action_batch], training=True)
        critic_loss = keras.ops.mean(keras.ops.square(y - critic_value))
        critic_loss.backward()
        critic_grad = [v.value.grad for v in critic_model.trainable_variables]
        with torch.no_grad():
            critic_optimizer.apply(critic_grad, critic_model.trainable_variables)

        actor_model.zero_grad()
        critic_model.zero_grad()
        actions = actor_model(state_batch, training=True)
        critic_value = critic_model([state_batch, actions], training=True)
        # Used `-value` as we want to maximize the value given
        # by the critic for our actions
        actor_loss = -keras.ops.mean(critic_value)
        actor_loss.backward()
        actor_grad = [v.value.grad for v in actor_model.trainable_variables]
        with torch.no_grad():
            actor_optimizer.apply(actor_grad, actor_model.trainable_variables)
        losses.append([float(keras.ops.convert_to_numpy(critic_loss)),
                       float(keras.ops.convert_to_numpy(actor_loss))])  # harness: recorded

    # We compute the loss and update parameters
    def learn(self):
        # Get sampling range
        record_range = min(self.buffer_counter, self.buffer_capacity)
        # Randomly sample indices
        batch_indices = batch_rs.choice(record_range, self.batch_size)  # harness:

        # Convert to tensors
        state_batch = keras.ops.convert_to_tensor(self.state_buffer[batch_indices])
        action_batch = keras.ops.convert_to_tensor(self.action_buffer[batch_indices])
        reward_batch = keras.ops.convert_to_tensor(self.reward_buffer[batch_indices])
        reward_batch = keras.ops.cast(reward_batch, dtype="float32")
        next_state_batch = keras.ops.convert_to_tensor(self.next_state_buffer[batch_indices])

        self.update(state_batch, action_batch, reward_batch, next_state_batch)


# This update target parameters slowly
# Based on rate `tau`, which is much less than one.
def update_target(target, original, tau):
    target_weights = target.get_weights()
    original_weights = original.get_weights()

    for i in range(len(target_weights)):
        target_weights[i] = original_weights[i] * tau + target_weights[i] * (1 - tau)

    target.set_weights(target_weights)


def get_actor():
    # Initialize weights between -3e-3 and 3-e3
    last_init = keras.initializers.RandomUniform(minval=-0.003, maxval=0.003)

    inputs = layers.Input(shape=(num_states,))
    out = layers.Dense(32, activation="relu")(inputs)  # harness: 256
    out = layers.Dense(32, activation="relu")(out)  # harness: 256
    outputs = layers.Dense(1, activation="tanh", kernel_initializer=last_init)(out)

    # Our upper bound is 2.0 for Pendulum.
    outputs = outputs * upper_bound
    model = keras.Model(inputs, outputs)
    return model


def get_critic():
    # State as input
    state_input = layers.Input(shape=(num_states,))
    state_out = layers.Dense(16, activation="relu")(state_input)
    state_out = layers.Dense(32, activation="relu")(state_out)

    # Action as input
    action_input = layers.Input(shape=(num_actions,))
    action_out = layers.Dense(32, activation="relu")(action_input)

    # Both are passed through separate layer before concatenating
    concat = layers.Concatenate()([state_out, action_out])

    out = layers.Dense(32, activation="relu")(concat)  # harness: 256
    out = layers.Dense(32, activation="relu")(out)  # harness: 256
    outputs = layers.Dense(1)(out)

    # Outputs single value for give state-action
    model = keras.Model([state_input, action_input], outputs)

    return model


def policy(state, noise_object):
    sampled_actions = keras.ops.squeeze(actor_model(state))
    noise = noise_object()
    # Adding noise to action
    sampled_actions = keras.ops.convert_to_numpy(sampled_actions) + noise  # harness: .numpy()

    # We make sure action is within bounds
    legal_action = np.clip(sampled_actions, lower_bound, upper_bound)

    return [np.squeeze(legal_action)]


std_dev = 0.2
ou_noise = OUActionNoise(mean=np.zeros(1), std_deviation=float(std_dev) * np.ones(1))

actor_model = get_actor()
critic_model = get_critic()

target_actor = get_actor()
target_critic = get_critic()


def seed_weights(model, seed):  # harness: equal initial weights on both sides
    rs = np.random.RandomState(seed)
    model.set_weights([rs.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])


seed_weights(actor_model, 3)  # harness:
seed_weights(critic_model, 4)  # harness:
RESULTS["actor_params"] = actor_model.count_params()
RESULTS["critic_params"] = critic_model.count_params()
RESULTS["actor_layers"] = [type(layer).__name__ for layer in actor_model.layers]
RESULTS["critic_layers"] = [type(layer).__name__ for layer in critic_model.layers]

# Making the weights equal initially
target_actor.set_weights(actor_model.get_weights())
target_critic.set_weights(critic_model.get_weights())

# Learning rate for actor-critic models
critic_lr = 0.002
actor_lr = 0.001

critic_optimizer = keras.optimizers.Adam(critic_lr)
actor_optimizer = keras.optimizers.Adam(actor_lr)

total_episodes = 3  # harness: 100
# Discount factor for future rewards
gamma = 0.99
# Used to update target networks
tau = 0.005

buffer = Buffer(50000, 16)  # harness: batch 64

# To store reward history of each episode
ep_reward_list = []
# To store average reward history of last few episodes
avg_reward_list = []
losses = []

for ep in range(total_episodes):
    prev_state, _ = env.reset()
    episodic_reward = 0

    for _step in range(20):  # harness: `while True:` until done/truncated (200 steps)
        tf_prev_state = keras.ops.expand_dims(keras.ops.convert_to_tensor(prev_state), 0)

        action = policy(tf_prev_state, ou_noise)
        # Receive state and reward from environment.
        state, reward, done, truncated, _ = env.step(action)

        buffer.record((prev_state, action, reward, state))
        episodic_reward += reward

        buffer.learn()

        update_target(target_actor, actor_model, tau)
        update_target(target_critic, critic_model, tau)

        # End this episode when `done` or `truncated` is True
        if done or truncated:
            break

        prev_state = state

    ep_reward_list.append(episodic_reward)

    # Mean of last 40 episodes
    avg_reward = np.mean(ep_reward_list[-40:])
    print("Episode * {} * Avg Reward is ==> {}".format(ep, avg_reward))
    avg_reward_list.append(avg_reward)

RESULTS["ep_rewards"] = ep_reward_list
RESULTS["avg_rewards"] = avg_reward_list
RESULTS["losses"] = np.array(losses)[::6]
RESULTS["buffer_counter"] = buffer.buffer_counter
RESULTS["actions"] = buffer.action_buffer[:60:5, 0]
RESULTS["target_actor_kernel"] = target_actor.get_weights()[0][:, :4]
RESULTS["actor_out_kernel"] = actor_model.get_weights()[-2][:6, 0]
RESULTS["opt_iterations"] = [int(critic_optimizer.iterations), int(actor_optimizer.iterations)]

# Save the weights
actor_model.save_weights("pendulum_actor.weights.h5")
critic_model.save_weights("pendulum_critic.weights.h5")

target_actor.save_weights("pendulum_target_actor.weights.h5")
target_critic.save_weights("pendulum_target_critic.weights.h5")

reloaded = get_critic()
reloaded.load_weights("pendulum_critic.weights.h5")
probe = [np.array([[1.0, 0.0, 0.5]], "float32"), np.array([[0.3]], "float32")]
RESULTS["reloaded_critic"] = keras.ops.convert_to_numpy(reloaded(probe))
RESULTS["critic"] = keras.ops.convert_to_numpy(critic_model(probe))
RTOL, ATOL = 2e-4, 1e-5
