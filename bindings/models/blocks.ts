/**
 * Residual blocks: a chain of modules plus a shortcut, joined by an add (optionally + ReLU, fused into
 * the add's single pass). ResNet's BasicBlock / Bottleneck and MobileNetV2's InvertedResidual are
 * this shape; what differs is the chain, the shortcut and the final activation.
 */
import type { Tensor } from '../tensor';
import { backwardChain, forwardChain } from '../nn/chain';
import { Module } from '../nn/module';
import type { NetBackend } from './common';

export abstract class ResidualBlock extends Module<NetBackend> {
  /** The main path, in order (registered by the subclass under PyTorch's names). */
  abstract get steps(): readonly Module[];
  /** A module on the shortcut (ResNet's downsample), or null for the identity (or no shortcut). */
  abstract get shortcut(): Module | null;
  /** false: no residual at all (MobileNetV2 blocks whose shape changes). */
  abstract get hasResidual(): boolean;
  /** ReLU after the add (ResNet), or nothing (MobileNetV2). */
  abstract get reluAfterAdd(): boolean;

  #kept: Tensor[] = [];
  /** The block's output, when its backward needs it (ReLU after the add). */
  #output: Tensor | null = null;
  #forwarded = false;

  forward(x: Tensor): Tensor {
    this.checkAlive();
    this.releaseCache();
    const training = this.training;
    const kept = training ? this.#kept : null;
    const main = forwardChain(this.steps, x, kept);
    if (!this.hasResidual) {
      this.#forwarded = training;
      return main;
    }
    let shortcut: Tensor | null = null;
    try {
      shortcut = this.shortcut ? this.shortcut.forward(x) : null;
      const y = this.backend.add(main, shortcut ?? x, { relu: this.reluAfterAdd });
      if (training && this.reluAfterAdd) this.#output = y;
      this.#forwarded = training;
      return y;
    } catch (e) {
      this.releaseCache();
      throw e;
    } finally {
      if (main !== x) main.dispose();
      // The shortcut's output is not needed by any backward (the add's gradient passes straight through).
      shortcut?.dispose();
    }
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    if (!this.#forwarded) throw new Error(`${this.label}: backward() needs a forward() in training mode first`);
    const made: Tensor[] = [];
    try {
      // Gradient of the sum (through the fused ReLU: zero where the output was clamped).
      const g = this.reluAfterAdd && this.hasResidual ? this.backend.addReluBackward(this.#output as Tensor, dy) : dy;
      if (g !== dy) made.push(g);
      const dx = backwardChain(this.steps, g);
      if (!this.hasResidual) return dx === g ? this.backend.clone(g) : dx;
      try {
        const gs = this.shortcut ? this.shortcut.backward(g) : g;
        if (gs !== g) made.push(gs);
        this.backend.axpby(1, gs, 1, dx);
      } catch (e) {
        dx.dispose();
        throw e;
      }
      return dx;
    } finally {
      for (const t of made) t.dispose();
      this.releaseCache();
    }
  }

  protected override releaseCache(): void {
    for (const t of this.#kept) t.dispose();
    this.#kept = [];
    this.#output = null;
    this.#forwarded = false;
  }
}
