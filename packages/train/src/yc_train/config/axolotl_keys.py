"""Axolotl's top-level keys that yc accepts without effect, or refuses, each with what it does in Axolotl.

Read by :mod:`yc_train.config.schema` (they become fields marked ``compatibility`` / ``refused``, see
:mod:`yc_train.config.marks`). Key lists come from Axolotl 0.19's config schema and its bundled plugins.
Compatibility keys change speed, memory, logging or infrastructure only; refused keys change what is trained.
"""

from __future__ import annotations

_COMPAT_GROUPS = {
    "speed kernel or fused op (same results, faster or leaner); yc runs plain PyTorch / transformers": """
        plugins use_kernels liger_rms_norm_gated liger_kernel_impl
        cut_cross_entropy lora_mlp_kernel lora_qkv_kernel lora_o_kernel lora_embedding_kernel use_scattermoe
        use_sonicmoe use_dsv4_kernels use_glm_dsa_kernels moe_grouped_backend moe_dequant_chunk_size moe_bnb_fast
        expert_backend experts_implementation dsv4_fp8_lora_kernel dsv4_shared_mlp_lora_kernel fused_attn_kernel
        sdpa_varlen large_head_attention flash_attn_d512 gemma4_hybrid_attn_impl flex_attn_compile_kwargs
        flash_optimum chunked_cross_entropy chunked_cross_entropy_num_chunks tiled_mlp tiled_mlp_num_shards
        tiled_mlp_use_original_mlp llama4_linearized_experts deepcompile torch_compile_backend torch_compile_mode
        torch_compile_options batch_flattening flash_attn_cross_entropy flash_attn_rms_norm flash_attn_fuse_qkv
        flash_attn_fuse_mlp""",
    "memory placement or offloading (same results); yc keeps the model on one device per process": """
        activation_offloading layer_offloading selective_checkpointing ple_cpu_offload embeddings_skip_upcast
        low_cpu_mem_usage max_memory gpu_memory_limit device_map experimental_skip_move_to_device gc_steps
        torch_empty_cache_steps gc_collect_steps dynamic_checkpoint lora_on_cpu""",
    "dataset preparation plumbing (caching, sharded saving, loader workers, padding granularity); yc tokenizes "
    "in one pass and caches under dataset_prepared_path": """
        dataset_processes dataset_num_proc skip_prepare_dataset num_dataset_shards_to_save dataset_keep_in_memory
        push_dataset_to_hub hf_use_auth_token is_preprocess preprocess_iterable total_num_tokens
        total_supervised_tokens sample_packing_eff_est sample_packing_group_size sample_packing_bin_size
        sample_packing_mp_start_method multipack_real_batches pad_to_multiple_of remove_unused_columns
        dataloader_pin_memory dataloader_num_workers dataloader_prefetch_factor""",
    "launcher or cluster setting (set by accelerate / torchrun / Ray); yc reads the launcher's environment": """
        local_rank device world_size ddp ddp_bucket_cap_mb ddp_broadcast_buffers accelerator_config use_ray
        ray_run_name ray_num_workers resources_per_worker axolotl_config_path fsdp_final_state_dict_type
        fp32_norms fp32_norm_classes qlora_sharded_model_loading""",
    "experiment tracking or monitoring outside training (wandb is on when wandb_project is set; yc writes "
    "metrics.jsonl and TensorBoard)": """
        use_wandb use_mlflow mlflow_tracking_uri mlflow_experiment_name mlflow_run_name hf_mlflow_log_artifacts
        use_comet comet_api_key comet_workspace comet_project_name comet_experiment_key comet_mode comet_online
        comet_experiment_config use_trackio trackio_project_name trackio_run_name trackio_space_id
        use_otel_metrics otel_metrics_host otel_metrics_port use_swanlab swanlab_project swanlab_experiment_name
        swanlab_description swanlab_mode swanlab_workspace swanlab_api_key swanlab_log_model swanlab_web_host
        swanlab_api_host swanlab_lark_webhook_url swanlab_lark_secret swanlab_log_completions
        swanlab_completion_log_interval swanlab_completion_max_buffer include_tokens_per_second include_tkps
        profiler_steps profiler_steps_start""",
    "sample generations or benchmark metrics during evaluation (no effect on training); use `yc eval`": """
        eval_table_size eval_max_new_tokens generate_samples num_generation_samples generation_max_new_tokens
        generation_temperature generation_top_p generation_top_k generation_prompt_ratio generation_do_sample
        do_causal_lm_eval eval_causal_lm_metrics do_bench_eval bench_dataset bench_split lm_eval_tasks
        lm_eval_batch_size lm_eval_post_train lm_eval_model""",
    "Axolotl CLI and UI conveniences (merging after training, Gradio chat, jinja files next to the tokenizer); "
    "yc has `yc train merge` and `yc infer`": """
        merge_lora merge_method gradio_title gradio_share gradio_server_name gradio_server_port
        gradio_max_new_tokens gradio_temperature tokenizer_save_jinja_files""",
    "quantizing fused MoE expert weights on load to save memory (QLoRA on experts); yc's QLoRA quantizes linear "
    "layers only, so fused expert weights stay in the compute dtype (more memory, no quantization error there)": """
        quantize_moe_experts""",
    "checkpoint file format (transformers 5 always writes safetensors, as yc does)": """
        save_safetensors""",
    "old architecture hint or config class name; yc reads the model's own config.json": """
        is_mistral_derived_model is_llama_derived_model is_falcon_derived_model is_qwen_derived_model
        cls_model_config tokenizer_legacy""",
}

_REFUSED_GROUPS = {
    "preference / reinforcement-learning training (DPO, IPO, KTO, ORPO, SimPO, GRPO, EBFT, reward environments); "
    "yc trains supervised fine-tuning only": """
        rl trl vllm rl_beta dpo_beta dpo_use_weighting dpo_label_smoothing precompute_ref_log_probs
        dpo_use_liger_kernel dpo_padding_free dpo_loss_type dpo_loss_weights dpo_use_logits_to_keep
        dpo_generate_during_eval dpo_norm_loss rpo_alpha orpo_alpha simpo_gamma cpo_alpha kto_desirable_weight
        kto_undesirable_weight max_prompt_len ebft nemo_gym_enabled nemo_gym_dir nemo_gym_auto_clone
        nemo_gym_config_paths nemo_gym_head_port nemo_gym_server_timeout nemo_gym_verify_timeout
        nemo_gym_run_timeout nemo_gym_datasets nemo_gym_auto_start nemo_gym_model_name nemo_gym_multi_turn
        nemo_gym_max_turns""",
    "reward-model or classifier training (a scalar head instead of the language-model loss); yc trains causal "
    "language models only": """
        reward_model process_reward_model center_rewards_coefficient num_labels""",
    "multimodal (image / audio) training through a processor; yc trains text-only causal language models": """
        processor_type processor_kwargs image_size image_resize_algorithm role_boundaries freeze_mm_modules""",
    "quantization-aware training, FP8/FP4/1.58-bit or GPTQ weights, pure half-precision weights, or "
    "compressing the result; yc trains fp32/bf16/fp16-autocast weights (4/8-bit bitsandbytes base for QLoRA)": """
        qat quantization fp8 fp8_config fp8_enable_fsdp_float8_all_gather gptq model_quantization_config
        model_quantization_config_kwargs use_onebitllms bfloat16 float16 float32
        nonexpert_quantization gemma4_fp8_nonexpert gemma4_nf4_nonexpert dsv4_fp8_nonexpert_mode dsv4_bf16_all
        dsv4_fp4_grouped_mode nvfp4_merge_aware nvfp4_merge_aware_start_step llmcompressor recipe
        save_compressed""",
    "streaming pretraining from an iterable dataset; yc tokenizes a finite dataset up front": """
        pretraining_dataset streaming streaming_multipack_buffer_size pretrain_multipack_buffer_size
        pretrain_multipack_attn pretraining_sample_concatenation""",
    "a parallelism mode yc lacks (context/sequence, tensor, expert or hybrid-sharded data parallelism); yc runs "
    "DDP, DeepSpeed or FSDP": """
        context_parallel_size sequence_parallel_degree heads_k_stride ring_attn_func tensor_parallel_size
        dp_shard_size dp_replicate_size expert_parallel_size expert_parallel_backend expert_parallel_num_nvl_bytes
        expert_parallel_num_rdma_bytes expert_parallel_token_capacity expert_parallel_fallback_on_unsupported""",
    "a training method or loss yc does not implement (ReLoRA, jagged restarts, LISA, PoSE, EAFT, SSMax, "
    "S2/Sage attention, knowledge distillation, diffusion LM, MoRA, Grokfast, Spectrum, custom trainer classes, "
    "token-scaled loss, random re-initialisation, LoftQ and other PEFT initialisations)": """
        relora relora_prune_ratio relora_prune_method relora_cpu_offload jagged_restart_steps
        jagged_restart_warmup_steps jagged_restart_anneal_steps lisa_n_layers lisa_step_interval
        lisa_layers_attribute use_pose pose_split_on_token_ids pose_max_context_len pose_num_chunks use_eaft
        eaft_alpha eaft_k scaling_softmax scaling_softmax_factor scaling_softmax_bias s2_attention sage_attention
        kd_trainer kd_ce_alpha kd_alpha kd_temperature kd_beta kd_normalize_topk kd_online_server_base_url
        kd_online_topk kd_online_server kd_online_timeout kd_temperature_min diffusion mora hatchery dense_mixer
        grokfast_alpha grokfast_lamb spectrum_top_fraction spectrum_model_name liger_use_token_scaling
        reinit_weights trainer_cls peft peft_layer_replication peft_init_lora_weights
        peft_trainable_token_indices""",
    "an optimizer or schedule option yc does not implement (quadratic warm-up, constant-then-cosine, one-cycle "
    "div factor, per-module LR groups, GaLore/Dion/CAME settings, automatic batch-size search)": """
        lr_quadratic_warmup cosine_constant_lr_ratio lr_div_factor lr_groups optim_target_modules torchdistx_path
        adam_epsilon2 adam_beta3 dion_lr dion_momentum dion_rank_fraction dion_rank_multiple_of qgalore_rank
        qgalore_update_proj_gap qgalore_scale qgalore_proj_type qgalore_proj_quant qgalore_proj_bits
        qgalore_proj_group_size qgalore_cos_threshold qgalore_gamma_proj qgalore_queue_size
        auto_find_batch_size""",
    "a data or vocabulary change yc does not make (deduplication, shuffling before merging, whole-dataset "
    "shards, curriculum or sequential packing order, mistral-common tokenizer, rewritten added tokens, "
    "untrained-token repair, RoPE scaling outside overrides_of_model_config)": """
        dataset_exact_deduplication shuffle_before_merging_datasets dataset_shard_num dataset_shard_idx
        curriculum_sampling sample_packing_sequentially tokenizer_use_mistral_common added_tokens_overrides
        fix_untrained_tokens rope_scaling""",
}


def _table(groups: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for what, keys in groups.items():
        for key in keys.split():
            if key in out:
                raise ValueError(f"{key} is listed twice")
            out[key] = f"Axolotl: {what}."
    return out


COMPATIBILITY_KEYS = _table(_COMPAT_GROUPS)
REFUSED_KEYS = _table(_REFUSED_GROUPS)
