"""keras.io example "Deep Q-Learning for Atari Breakout" (examples/rl/deep_q_network_breakout.py).

The example's ``create_q_model`` (``Conv2D`` 8/4/3 kernels with strides
4/2/1 on channels-last frames, ``Flatten``, ``Dense``), the online and target
models, Adam with ``clipnorm=1.0``, ``keras.losses.Huber``, epsilon-greedy
action choice with ``ops.argmax`` of the model's Q values, the replay
history lists, the masked Q update (``ops.one_hot``, ``ops.multiply``,
``ops.sum``) against ``target.predict`` of future rewards, and the target
update by ``set_weights(get_weights())``. The ``tf.GradientTape`` update is
written the torch way (``zero_grad``, ``backward``, ``v.value.grad``,
``optimizer.apply`` under ``torch.no_grad()``). The Atari environment is a
deterministic numpy stub with 4 stacked 20x20 frames; ``np.random`` calls use
a seeded stream (``# harness:``).
"""

import numpy as np
import torch
import keras
from keras import layers

RESULTS = {}

# Configuration parameters for the whole setup
seed = 42
gamma = 0.99  # Discount factor for past rewards
epsilon = 1.0  # Epsilon greedy parameter
epsilon_min = 0.1  # Minimum epsilon greedy parameter
epsilon_max = 1.0  # Maximum epsilon greedy parameter
epsilon_interval = epsilon_max - epsilon_min  # Rate at which to reduce chance of random action being taken
batch_size = 8  # harness: 32; Size of batch taken from replay buffer
max_steps_per_episode = 30  # harness: 10000
max_episodes = 2  # harness: 10; Limit training episodes, will run until solved if smaller than 1

rs = np.random.RandomState(seed)  # harness: np.random.rand / np.random.choice stream
FRAME = 20  # harness: 84x84 frames


class BreakoutStub:  # harness: gym AtariPreprocessing + FrameStack stand-in
    def __init__(self):
        self.env_rs = np.random.RandomState(7)

    def reset(self):
        self.t = 0
        self.state = self.env_rs.rand(FRAME, FRAME, 4).astype("float32")
        return self.state, {}

    def step(self, action):
        self.t += 1
        self.state = np.roll(self.state, shift=action + 1, axis=0) * 0.9 + 0.1 * self.env_rs.rand(
            FRAME, FRAME, 4).astype("float32")
        reward = float(action == (self.t % 4))
        done = self.t >= 25
        return self.state, reward, done, False, {}


env = BreakoutStub()

num_actions = 4


def create_q_model():
    # Network defined by the Deepmind paper
    return keras.Sequential(
        [
            keras.Input(shape=(FRAME, FRAME, 4)),  # harness: (84, 84, 4)
            layers.Conv2D(8, 8, strides=4, activation="relu"),  # harness: 32 filters
            layers.Conv2D(8, 4, strides=2, activation="relu"),  # harness: 64 filters
            layers.Conv2D(8, 1, strides=1, activation="relu"),  # harness: 64 filters, kernel 3
            layers.Flatten(),
            layers.Dense(16, activation="relu"),  # harness: 512
            layers.Dense(num_actions, activation="linear"),
        ]
    )


# The first model makes the predictions for Q-values which are used to
# make a action.
model = create_q_model()
# Build a target model for the prediction of future rewards.
# The weights of a target model get update every 10000 steps thus when the
# loss between the Q-values is calculated the target Q-value is stable.
model_target = create_q_model()
seeded = np.random.RandomState(1)  # harness: equal initial weights on both sides
model.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32") for w in model.get_weights()])
model_target.set_weights([seeded.normal(0, 0.2, w.shape).astype("float32")
                          for w in model_target.get_weights()])
RESULTS["params"] = model.count_params()
RESULTS["output_shapes"] = [str(tuple(layer.output.shape)) for layer in model.layers]

"""
## Train
"""

# In the Deepmind paper they use RMSProp however then Adam optimizer
# improves training time
optimizer = keras.optimizers.Adam(learning_rate=0.00025, clipnorm=1.0)

# Experience replay buffers
action_history = []
state_history = []
state_next_history = []
rewards_history = []
done_history = []
episode_reward_history = []
running_reward = 0
episode_count = 0
frame_count = 0
# Number of frames to take random action and observe output
epsilon_random_frames = 10  # harness: 50000
# Number of frames for exploration
epsilon_greedy_frames = 100.0  # harness: 1000000.0
# Maximum replay length
# Note: The Deepmind paper suggests 1000000 however this causes memory issues
max_memory_length = 40  # harness: 100000
# Train the model after 4 actions
update_after_actions = 4
# How often to update the target network
update_target_network = 20  # harness: 10000
# Using huber loss for stability
loss_function = keras.losses.Huber()
losses = []

while True:
    observation, _ = env.reset()
    state = np.array(observation)
    episode_reward = 0

    for timestep in range(1, max_steps_per_episode):
        frame_count += 1

        # Use epsilon-greedy for exploration
        if frame_count < epsilon_random_frames or epsilon > rs.rand(1)[0]:
            # Take random action
            action = rs.choice(num_actions)
        else:
            # Predict action Q-values
            # From environment state
            state_tensor = keras.ops.convert_to_tensor(state)
            state_tensor = keras.ops.expand_dims(state_tensor, 0)
            action_probs = model(state_tensor, training=False)
            # Take best action
            action = int(keras.ops.convert_to_numpy(keras.ops.argmax(action_probs[0])))  # harness: .numpy()

        # Decay probability of taking random action
        epsilon -= epsilon_interval / epsilon_greedy_frames
        epsilon = max(epsilon, epsilon_min)

        # Apply the sampled action in our environment
        state_next, reward, done, _, _ = env.step(action)
        state_next = np.array(state_next)

        episode_reward += reward

        # Save actions and states in replay buffer
        action_history.append(action)
        state_history.append(state)
        state_next_history.append(state_next)
        done_history.append(done)
        rewards_history.append(reward)
        state = state_next

        # Update every fourth frame and once batch size is over 32
        if frame_count % update_after_actions == 0 and len(done_history) > batch_size:
            # Get indices of samples for replay buffers
            indices = rs.choice(range(len(done_history)), size=batch_size)

            # Using list comprehension to sample from replay buffer
            state_sample = np.array([state_history[i] for i in indices])
            state_next_sample = np.array([state_next_history[i] for i in indices])
            rewards_sample = [rewards_history[i] for i in indices]
            # harness: list + torch tensor raises TypeError on the torch backend (TF broadcasts it)
            rewards_sample = keras.ops.convert_to_tensor(rewards_sample)
            action_sample = [action_history[i] for i in indices]
            done_sample = keras.ops.convert_to_tensor(
                [float(done_history[i]) for i in indices]
            )

            # Build the updated Q-values for the sampled future states
            # Use the target model for stability
            future_rewards = model_target.predict(state_next_sample, verbose=0)
            # Q value = reward + discount factor * expected future reward
            updated_q_values = rewards_sample + gamma * keras.ops.amax(
                future_rewards, axis=1
            )

            # If final frame set the last value to -1
            updated_q_values = updated_q_values * (1 - done_sample) - done_sample

            # Create a mask so we only calculate loss on the updated Q-values
            masks = keras.ops.one_hot(action_sample, num_actions)

            model.zero_grad()  # torch: instead of `with tf.GradientTape() as tape:`
            # Train the model on the states and updated Q-values
            q_values = model(state_sample)

            # Apply the masks to the Q-values to get the Q-value for action taken
            q_action = keras.ops.sum(keras.ops.multiply(q_values, masks), axis=1)
            # Calculate loss between new Q-value and old Q-value
            loss = loss_function(updated_q_values, q_action)

            # Backpropagation
            loss.backward()
            grads = [v.value.grad for v in model.trainable_variables]
            with torch.no_grad():
                optimizer.apply(grads, model.trainable_variables)
            losses.append(float(keras.ops.convert_to_numpy(loss)))  # harness: recorded

        if frame_count % update_target_network == 0:
            # update the the target network with new weights
            model_target.set_weights(model.get_weights())
            # Log details
            template = "running reward: {:.2f} at episode {}, frame count {}"
            print(template.format(running_reward, episode_count, frame_count))

        # Limit the state and reward history
        if len(rewards_history) > max_memory_length:
            del rewards_history[:1]
            del state_history[:1]
            del state_next_history[:1]
            del action_history[:1]
            del done_history[:1]

        if done:
            break

    # Update running reward to check condition for solving
    episode_reward_history.append(episode_reward)
    if len(episode_reward_history) > 100:
        del episode_reward_history[:1]
    running_reward = np.mean(episode_reward_history)

    episode_count += 1

    if running_reward > 40:  # Condition to consider the task solved
        print("Solved at episode {}!".format(episode_count))
        break

    if (
        max_episodes > 0 and episode_count >= max_episodes
    ):  # Maximum number of episodes reached
        print("Stopped at episode {}!".format(episode_count))
        break

RESULTS["losses"] = losses
RESULTS["episode_rewards"] = episode_reward_history
RESULTS["actions"] = action_history
RESULTS["frame_count"] = frame_count
RESULTS["epsilon"] = epsilon
RESULTS["optimizer_iterations"] = int(optimizer.iterations)
RESULTS["dense_kernel"] = model.get_weights()[-2][:6, 0]
RESULTS["target_equals_model"] = int(all(np.array_equal(a, b) for a, b in
                                         zip(model.get_weights(), model_target.get_weights())))
RESULTS["q_values"] = model.predict(np.array(state_history[:2]), verbose=0)
RTOL, ATOL = 2e-4, 1e-5
