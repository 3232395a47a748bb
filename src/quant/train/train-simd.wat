;; WebAssembly SIMD kernels of the training pass (train-simd.ts loads them; llama-grad.ts's
;; linearForward / linearBackward are their plain-TS twins). f32x4 lanes with four independent
;; accumulators; every pointer is a byte offset into the module's own memory, which the caller
;; sizes once (no growth, so its views never detach). scripts/build-wasm.mjs compiles this file
;; into train-simd-bytes.ts; a test checks that the two agree.
(module
  (memory (export "memory") 1)

  ;; Y[t,o] (+)= sum_i X[t,i] W[o,i], t < T, o < nOut, i < nIn; nIn and nOut multiples of 4.
  ;; With W transposed it is dX = dY W; with both operands transposed it is dW = dYᵀ X.
  (func (export "matmulNT")
    (param $Y i32) (param $X i32) (param $W i32) (param $T i32) (param $nIn i32) (param $nOut i32) (param $acc i32)
    (local $t i32) (local $o i32) (local $i i32) (local $rowB i32) (local $xr i32) (local $yp i32) (local $out i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $x v128) (local $s v128)
    (local.set $rowB (i32.shl (local.get $nIn) (i32.const 2)))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_u (local.get $t) (local.get $T)))
      (local.set $xr (i32.add (local.get $X) (i32.mul (local.get $t) (local.get $rowB))))
      (local.set $yp (i32.add (local.get $Y) (i32.shl (i32.mul (local.get $t) (local.get $nOut)) (i32.const 2))))
      (local.set $o (i32.const 0))
      (block $oDone (loop $oLoop
        (br_if $oDone (i32.ge_u (local.get $o) (local.get $nOut)))
        (local.set $w0 (i32.add (local.get $W) (i32.mul (local.get $o) (local.get $rowB))))
        (local.set $w1 (i32.add (local.get $w0) (local.get $rowB)))
        (local.set $w2 (i32.add (local.get $w1) (local.get $rowB)))
        (local.set $w3 (i32.add (local.get $w2) (local.get $rowB)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $iDone (loop $iLoop
          (br_if $iDone (i32.ge_u (local.get $i) (local.get $rowB)))
          (local.set $x (v128.load (i32.add (local.get $xr) (local.get $i))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $w0) (local.get $i))))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $w1) (local.get $i))))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $w2) (local.get $i))))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $w3) (local.get $i))))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $iLoop)))
        ;; Lane sums of a0…a3 into one vector: pairwise interleave, then halves.
        (local.set $a0 (f32x4.add
          (i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27 (local.get $a0) (local.get $a1))
          (i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31 (local.get $a0) (local.get $a1))))
        (local.set $a2 (f32x4.add
          (i8x16.shuffle 0 1 2 3 16 17 18 19 8 9 10 11 24 25 26 27 (local.get $a2) (local.get $a3))
          (i8x16.shuffle 4 5 6 7 20 21 22 23 12 13 14 15 28 29 30 31 (local.get $a2) (local.get $a3))))
        (local.set $s (f32x4.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a2))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a2))))
        (local.set $out (i32.add (local.get $yp) (i32.shl (local.get $o) (i32.const 2))))
        (if (local.get $acc) (then (local.set $s (f32x4.add (v128.load (local.get $out)) (local.get $s)))))
        (v128.store (local.get $out) (local.get $s))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $oLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop)))
  )

  ;; dst[c·stride + r] = src[r·cols + c] for r < rows, and 0 for rows ≤ r < stride (the padding
  ;; that lets matmulNT sum over a multiple of 4).
  (func (export "transpose")
    (param $dst i32) (param $src i32) (param $rows i32) (param $cols i32) (param $stride i32)
    (local $r i32) (local $c i32) (local $sp i32) (local $dp i32) (local $rowB i32) (local $strideB i32)
    (local.set $rowB (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $strideB (i32.shl (local.get $stride) (i32.const 2)))
    (block $cDone (loop $cLoop
      (br_if $cDone (i32.ge_u (local.get $c) (local.get $cols)))
      (local.set $sp (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $dp (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $strideB))))
      (local.set $r (i32.const 0))
      (block $rDone (loop $rLoop
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
        (f32.store (local.get $dp) (f32.load (local.get $sp)))
        (local.set $sp (i32.add (local.get $sp) (local.get $rowB)))
        (local.set $dp (i32.add (local.get $dp) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rLoop)))
      (block $pDone (loop $pLoop
        (br_if $pDone (i32.ge_u (local.get $r) (local.get $stride)))
        (f32.store (local.get $dp) (f32.const 0))
        (local.set $dp (i32.add (local.get $dp) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $pLoop)))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $cLoop)))
  )

  ;; e^x in f64 for x ≤ 0 (x < −700 gives 0): x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor
  ;; series to degree 11 (relative error under 1e-13, far below the f32 it is stored in), times 2^n
  ;; built from its exponent bits.
  (func $exp (param $x f64) (result f64)
    (local $n f64) (local $r f64)
    (if (f64.lt (local.get $x) (f64.const -700)) (then (return (f64.const 0))))
    (local.set $n (f64.nearest (f64.mul (local.get $x) (f64.const 1.4426950408889634))))
    (local.set $r (f64.sub
      (f64.sub (local.get $x) (f64.mul (local.get $n) (f64.const 0.6931471803691238)))
      (f64.mul (local.get $n) (f64.const 1.9082149292705877e-10))))
    (f64.mul
      (f64.add (f64.const 1) (f64.mul (local.get $r)
      (f64.add (f64.const 1) (f64.mul (local.get $r)
      (f64.add (f64.const 0.5) (f64.mul (local.get $r)
      (f64.add (f64.const 0.16666666666666666) (f64.mul (local.get $r)
      (f64.add (f64.const 0.041666666666666664) (f64.mul (local.get $r)
      (f64.add (f64.const 0.008333333333333333) (f64.mul (local.get $r)
      (f64.add (f64.const 0.001388888888888889) (f64.mul (local.get $r)
      (f64.add (f64.const 1.984126984126984e-4) (f64.mul (local.get $r)
      (f64.add (f64.const 2.48015873015873e-5) (f64.mul (local.get $r)
      (f64.add (f64.const 2.755731922398589e-6) (f64.mul (local.get $r)
      (f64.add (f64.const 2.755731922398589e-7) (f64.mul (local.get $r) (f64.const 2.505210838544172e-8)))))))))))))))))))))))
      (f64.reinterpret_i64 (i64.shl (i64.add (i64.trunc_f64_s (local.get $n)) (i64.const 1023)) (i64.const 52)))))

  ;; Σ_d a[d]·b[d] over `head` floats (a multiple of 4), in f32 lanes.
  (func $dot (param $a i32) (param $b i32) (param $headB i32) (result f32)
    (local $d i32) (local $s v128)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $d) (local.get $headB)))
      (local.set $s (f32x4.add (local.get $s) (f32x4.mul
        (v128.load (i32.add (local.get $a) (local.get $d))) (v128.load (i32.add (local.get $b) (local.get $d))))))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (br $l)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
      (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))

  ;; y[d] += c·x[d] over `head` floats.
  (func $axpy (param $y i32) (param $c f32) (param $x i32) (param $headB i32)
    (local $d i32) (local $cv v128)
    (local.set $cv (f32x4.splat (local.get $c)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $d) (local.get $headB)))
      (v128.store (i32.add (local.get $y) (local.get $d)) (f32x4.add
        (v128.load (i32.add (local.get $y) (local.get $d)))
        (f32x4.mul (local.get $cv) (v128.load (i32.add (local.get $x) (local.get $d))))))
      (local.set $d (i32.add (local.get $d) (i32.const 16)))
      (br $l)))
  )

  ;; Causal grouped-query attention of one layer for queries i0 ≤ i < T:
  ;; P[h][i][t] = softmax_t≤i(scale · q_i,h · k_t,h/kvMul) and ao[i, h] = Σ_t P[h][i][t] · v_t.
  ;; Float strides: q and ao dim, k and v kvDim, P's rows and planes pStride; head a multiple of 4.
  (func (export "attnForward")
    (param $P i32) (param $ao i32) (param $q i32) (param $k i32) (param $v i32)
    (param $i0 i32) (param $T i32) (param $pStride i32) (param $dim i32) (param $kvDim i32) (param $nHeads i32) (param $kvMul i32) (param $head i32) (param $scale f32)
    (local $h i32) (local $i i32) (local $t i32) (local $headB i32) (local $kvB i32) (local $qi i32) (local $pi i32) (local $kvo i32)
    (local $sc f32) (local $max f32) (local $sum f64) (local $e f64) (local $inv f64) (local $d i32) (local $w f32)
    (local.set $headB (i32.shl (local.get $head) (i32.const 2)))
    (local.set $kvB (i32.shl (local.get $kvDim) (i32.const 2)))
    (block $hDone (loop $hLoop
      (br_if $hDone (i32.ge_u (local.get $h) (local.get $nHeads)))
      (local.set $kvo (i32.mul (i32.div_u (local.get $h) (local.get $kvMul)) (local.get $headB)))
      (local.set $i (local.get $i0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $T)))
        (local.set $qi (i32.add (local.get $q) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $dim)) (i32.mul (local.get $h) (local.get $head))) (i32.const 2))))
        (local.set $pi (i32.add (local.get $P) (i32.shl (i32.mul (i32.add (i32.mul (local.get $h) (local.get $pStride)) (local.get $i)) (local.get $pStride)) (i32.const 2))))
        (local.set $max (f32.const -inf))
        (local.set $t (i32.const 0))
        (block $sDone (loop $sLoop
          (br_if $sDone (i32.gt_u (local.get $t) (local.get $i)))
          (local.set $sc (f32.mul (local.get $scale) (call $dot (local.get $qi)
            (i32.add (i32.add (local.get $k) (i32.mul (local.get $t) (local.get $kvB))) (local.get $kvo)) (local.get $headB))))
          (f32.store (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2))) (local.get $sc))
          (local.set $max (f32.max (local.get $max) (local.get $sc)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $sLoop)))
        (local.set $sum (f64.const 0))
        (local.set $t (i32.const 0))
        (block $eDone (loop $eLoop
          (br_if $eDone (i32.gt_u (local.get $t) (local.get $i)))
          (local.set $e (call $exp (f64.promote_f32 (f32.sub (f32.load (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2)))) (local.get $max)))))
          (f32.store (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2))) (f32.demote_f64 (local.get $e)))
          (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (f32.demote_f64 (local.get $e)))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $eLoop)))
        (local.set $inv (f64.div (f64.const 1) (local.get $sum)))
        (local.set $qi (i32.add (local.get $ao) (i32.sub (local.get $qi) (local.get $q))))
        (local.set $d (i32.const 0))
        (block $zDone (loop $zLoop
          (br_if $zDone (i32.ge_u (local.get $d) (local.get $headB)))
          (v128.store (i32.add (local.get $qi) (local.get $d)) (v128.const i32x4 0 0 0 0))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br $zLoop)))
        (local.set $t (i32.const 0))
        (block $vDone (loop $vLoop
          (br_if $vDone (i32.gt_u (local.get $t) (local.get $i)))
          (local.set $w (f32.demote_f64 (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2))))) (local.get $inv))))
          (f32.store (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2))) (local.get $w))
          (call $axpy (local.get $qi) (local.get $w) (i32.add (i32.add (local.get $v) (i32.mul (local.get $t) (local.get $kvB))) (local.get $kvo)) (local.get $headB))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $vLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $hLoop)))
  )

  ;; attnForward's reverse: from dao, adds into dq, dk and dv (zeroed by the caller); dP is T
  ;; floats of scratch.
  (func (export "attnBackward")
    (param $P i32) (param $dao i32) (param $q i32) (param $k i32) (param $v i32) (param $dq i32) (param $dk i32) (param $dv i32) (param $dP i32)
    (param $T i32) (param $pStride i32) (param $dim i32) (param $kvDim i32) (param $nHeads i32) (param $kvMul i32) (param $head i32) (param $scale f32)
    (local $h i32) (local $i i32) (local $t i32) (local $headB i32) (local $kvB i32) (local $qoff i32) (local $pi i32) (local $kvo i32)
    (local $p f32) (local $s f32) (local $mean f64) (local $ds f32) (local $kt i32)
    (local.set $headB (i32.shl (local.get $head) (i32.const 2)))
    (local.set $kvB (i32.shl (local.get $kvDim) (i32.const 2)))
    (block $hDone (loop $hLoop
      (br_if $hDone (i32.ge_u (local.get $h) (local.get $nHeads)))
      (local.set $kvo (i32.mul (i32.div_u (local.get $h) (local.get $kvMul)) (local.get $headB)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $T)))
        (local.set $qoff (i32.shl (i32.add (i32.mul (local.get $i) (local.get $dim)) (i32.mul (local.get $h) (local.get $head))) (i32.const 2)))
        (local.set $pi (i32.add (local.get $P) (i32.shl (i32.mul (i32.add (i32.mul (local.get $h) (local.get $pStride)) (local.get $i)) (local.get $pStride)) (i32.const 2))))
        (local.set $mean (f64.const 0))
        (local.set $t (i32.const 0))
        (block $aDone (loop $aLoop
          (br_if $aDone (i32.gt_u (local.get $t) (local.get $i)))
          (local.set $kt (i32.add (i32.mul (local.get $t) (local.get $kvB)) (local.get $kvo)))
          (local.set $p (f32.load (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2)))))
          (local.set $s (call $dot (i32.add (local.get $dao) (local.get $qoff)) (i32.add (local.get $v) (local.get $kt)) (local.get $headB)))
          (call $axpy (i32.add (local.get $dv) (local.get $kt)) (local.get $p) (i32.add (local.get $dao) (local.get $qoff)) (local.get $headB))
          (f32.store (i32.add (local.get $dP) (i32.shl (local.get $t) (i32.const 2))) (local.get $s))
          (local.set $mean (f64.add (local.get $mean) (f64.promote_f32 (f32.mul (local.get $p) (local.get $s)))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $aLoop)))
        (local.set $t (i32.const 0))
        (block $bDone (loop $bLoop
          (br_if $bDone (i32.gt_u (local.get $t) (local.get $i)))
          (local.set $kt (i32.add (i32.mul (local.get $t) (local.get $kvB)) (local.get $kvo)))
          (local.set $ds (f32.mul (local.get $scale) (f32.mul
            (f32.load (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2))))
            (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $dP) (i32.shl (local.get $t) (i32.const 2))))) (local.get $mean))))))
          (call $axpy (i32.add (local.get $dq) (local.get $qoff)) (local.get $ds) (i32.add (local.get $k) (local.get $kt)) (local.get $headB))
          (call $axpy (i32.add (local.get $dk) (local.get $kt)) (local.get $ds) (i32.add (local.get $q) (local.get $qoff)) (local.get $headB))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br $bLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $hLoop)))
  )
)
